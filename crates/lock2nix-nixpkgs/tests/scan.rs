//! The static scan's recipe features on small recipes written for these tests in the shapes of
//! nixpkgs' real ones (cryptography, orjson, pydantic-core, rpds-py, bcrypt, watchfiles, psycopg
//! with its passthru children, the opentelemetry packages, ua-parser/-builtins, setuptools,
//! zope-interface, cffi, django 5, multidict, protobuf, djangoql, dramatiq), and on hostile input.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use lock2nix_nixpkgs::{
    index_from_files, index_from_source_tree, Error, Index, RecipeFeatures, RecipeFormat,
    ScanLimits, SrcFetcher, SwapBlocker,
};

const PACKAGE_SET: &str = r#"self: super:
with self;
{
  bcrypt = callPackage ../development/python-modules/bcrypt { };
  cffi = callPackage ../development/python-modules/cffi { };
  cryptography = callPackage ../development/python-modules/cryptography { };
  cython = callPackage ../development/python-modules/cython { };
  cython_3 = cython;
  django_5 = callPackage ../development/python-modules/django/5.nix { };
  django = django_5;
  djangoql = callPackage ../development/python-modules/djangoql { };
  dramatiq = callPackage ../development/python-modules/dramatiq { };
  hatchling = callPackage ../development/python-modules/hatchling { };
  multidict = callPackage ../development/python-modules/multidict { };
  opentelemetry-api = callPackage ../development/python-modules/opentelemetry-api { };
  opentelemetry-sdk = callPackage ../development/python-modules/opentelemetry-sdk { };
  opentelemetry-semantic-conventions =
    callPackage ../development/python-modules/opentelemetry-semantic-conventions
      { };
  orjson = callPackage ../development/python-modules/orjson { };
  # pinned here when an upgrade breaks too much
  protobuf = protobuf6;
  protobuf6 = callPackage ../development/python-modules/protobuf/6.nix {
    inherit (pkgs.__splicedPackages) protobuf;
  };
  # the C library shadows the Python attribute of the same name
  xmlsec = callPackage ../development/python-modules/xmlsec { inherit (pkgs) xmlsec; };
  protobuf3 = callPackage ../development/python-modules/protobuf/3.nix {
    protobuf = pkgs.protobuf3_20;
  };
  psycopg = callPackage ../development/python-modules/psycopg { };
  psycopg-c = psycopg.c;
  psycopg-pool = psycopg.pool;
  pyyaml = callPackage ../development/python-modules/pyyaml { };
  pkgconfig = callPackage ../development/python-modules/pkgconfig { };
  pydantic-core = callPackage ../development/python-modules/pydantic-core { };
  rpds-py = callPackage ../development/python-modules/rpds-py { };
  setuptools = callPackage ../development/python-modules/setuptools { };
  setuptools-scm = callPackage ../development/python-modules/setuptools-scm { };
  setuptools-rust = callPackage ../development/python-modules/setuptools-rust { };
  typing-extensions = callPackage ../development/python-modules/typing-extensions { };
  versioningit = callPackage ../development/python-modules/versioningit { };
  ua-parser = callPackage ../development/python-modules/ua-parser { };
  ua-parser-builtins = callPackage ../development/python-modules/ua-parser-builtins { };
  wheel = callPackage ../development/python-modules/wheel { };
  watchfiles = callPackage ../development/python-modules/watchfiles { };
  zope-interface = callPackage ../development/python-modules/zope-interface { };
}
"#;

/// Old-style cryptography: a vendored cargo tarball with its own sourceRoot (not the recipe's),
/// platform-dependent inputs, a source edit.
const CRYPTOGRAPHY: &str = r#"{ lib, stdenv, buildPythonPackage, fetchPypi, rustPlatform, cargo, rustc
, setuptools-rust, openssl, Security, cffi, pkg-config, isPyPy, pythonOlder, libiconv, libxcrypt
, pytestCheckHook, hypothesis }:

buildPythonPackage rec {
  pname = "cryptography";
  version = "40.0.2";
  format = "setuptools";
  disabled = pythonOlder "3.6";

  src = fetchPypi {
    inherit pname version;
    hash = "sha256-BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=";
  };

  cargoDeps = rustPlatform.fetchCargoTarball {
    inherit src;
    sourceRoot = "${pname}-${version}/${cargoRoot}";
    name = "${pname}-${version}";
    hash = "sha256-BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=";
  };

  postPatch = ''
    substituteInPlace pyproject.toml \
      --replace "--benchmark-disable" ""
  '';

  cargoRoot = "src/rust";

  nativeBuildInputs = lib.optionals (!isPyPy) [ cffi pkg-config ]
    ++ [ rustPlatform.cargoSetupHook setuptools-rust cargo rustc ];

  buildInputs = [ openssl ]
    ++ lib.optionals stdenv.isDarwin [ Security libiconv ]
    ++ lib.optionals (pythonOlder "3.9") [ libxcrypt ];

  propagatedBuildInputs = lib.optionals (!isPyPy) [ cffi ];

  nativeCheckInputs = [ hypothesis pytestCheckHook ];

  meta = with lib; {
    description = "Cryptographic recipes and primitives";
    license = with licenses; [ asl20 bsd3 ];
  };
}
"#;

/// orjson: a GitHub checkout, the Rust hooks written `with rustPlatform;`, old `checkInputs`.
const ORJSON: &str = r#"{ lib, stdenv, rustPlatform, fetchFromGitHub, buildPythonPackage, cffi, libiconv
, numpy, pytestCheckHook }:

buildPythonPackage rec {
  pname = "orjson";
  version = "3.8.1";

  src = fetchFromGitHub {
    owner = "ijl";
    repo = pname;
    rev = version;
    hash = "sha256-BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=";
  };

  cargoDeps = rustPlatform.fetchCargoTarball {
    inherit src;
    name = "${pname}-${version}";
    hash = "sha256-BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=";
  };

  format = "pyproject";

  nativeBuildInputs = [ cffi ] ++ (with rustPlatform; [ cargoSetupHook maturinBuildHook ]);

  buildInputs = lib.optionals stdenv.isDarwin [ libiconv ];

  checkInputs = [ numpy pytestCheckHook ];

  pythonImportsCheck = [ pname ];
}
"#;

/// pydantic-core: the file returns a `let`-bound recipe; tests off, run through passthru.
const PYDANTIC_CORE: &str = r#"{ stdenv, lib, buildPythonPackage, fetchFromGitHub, cargo, rustPlatform, rustc
, libiconv, typing-extensions, pytestCheckHook }:

let
  pydantic-core = buildPythonPackage rec {
    pname = "pydantic-core";
    version = "2.16.2";
    pyproject = true;

    src = fetchFromGitHub {
      owner = "pydantic";
      repo = "pydantic-core";
      rev = "refs/tags/v${version}";
      hash = "sha256-BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=";
    };

    patches = [ ./01-remove-benchmark-flags.patch ];

    cargoDeps = rustPlatform.fetchCargoTarball {
      inherit src;
      name = "${pname}-${version}";
      hash = "sha256-BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=";
    };

    nativeBuildInputs = [ cargo rustPlatform.cargoSetupHook rustc ];

    build-system = [ rustPlatform.maturinBuildHook typing-extensions ];

    buildInputs = lib.optionals stdenv.isDarwin [ libiconv ];

    dependencies = [ typing-extensions ];

    # escape infinite recursion with pydantic via dirty-equals
    doCheck = false;
    passthru.tests.pytest = pydantic-core.overrideAttrs { doCheck = true; };

    nativeCheckInputs = [ pytestCheckHook ];
  };
in
pydantic-core
"#;

/// rpds-py: an sdist whose PyPI name differs, maturin in nativeBuildInputs.
const RPDS_PY: &str = r#"{ stdenv, lib, buildPythonPackage, cargo, fetchPypi, pytestCheckHook, pythonOlder
, rustc, rustPlatform, libiconv }:

buildPythonPackage rec {
  pname = "rpds-py";
  version = "0.18.0";
  format = "pyproject";

  disabled = pythonOlder "3.8";

  src = fetchPypi {
    pname = "rpds_py";
    inherit version;
    hash = "sha256-BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=";
  };

  cargoDeps = rustPlatform.fetchCargoTarball {
    inherit src;
    name = "${pname}-${version}";
    hash = "sha256-BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=";
  };

  nativeBuildInputs = [
    rustPlatform.cargoSetupHook
    rustPlatform.maturinBuildHook
    cargo
    rustc
  ];

  buildInputs = lib.optionals stdenv.hostPlatform.isDarwin [ libiconv ];

  nativeCheckInputs = [ pytestCheckHook ];
}
"#;

/// bcrypt: `sha256` hashes, `rust.cargo` selections under `with rustPlatform;`.
const BCRYPT: &str = r#"{ lib, buildPythonPackage, fetchPypi, libiconv, pythonOlder, pytestCheckHook
, rustPlatform, setuptools-rust }:

buildPythonPackage rec {
  pname = "bcrypt";
  version = "4.0.1";
  format = "pyproject";

  src = fetchPypi {
    inherit pname version;
    sha256 = "sha256-BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=";
  };

  cargoDeps = rustPlatform.fetchCargoTarball {
    name = "${pname}-${version}";
    inherit src;
    sourceRoot = "${pname}-${version}/${cargoRoot}";
    sha256 = "sha256-BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=";
  };

  cargoRoot = "src/_bcrypt";

  nativeBuildInputs = [ setuptools-rust ] ++ (with rustPlatform; [
    cargoSetupHook
    rust.cargo
    rust.rustc
  ]);

  buildInputs = [ libiconv ];

  checkInputs = [ pytestCheckHook ];
}
"#;

/// watchfiles: a GitHub checkout, setuptools-rust, a custom preCheck, broken on Darwin.
const WATCHFILES: &str = r#"{ stdenv, lib, anyio, buildPythonPackage, fetchFromGitHub, rustPlatform
, setuptools-rust, pythonOlder, pytestCheckHook }:

buildPythonPackage rec {
  pname = "watchfiles";
  version = "0.15.0";
  format = "setuptools";

  src = fetchFromGitHub {
    owner = "samuelcolvin";
    repo = pname;
    rev = "v${version}";
    hash = "sha256-BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=";
  };

  cargoDeps = rustPlatform.fetchCargoTarball {
    inherit src;
    name = "${pname}-${version}";
    sha256 = "sha256-BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=";
  };

  nativeBuildInputs = [ setuptools-rust ]
    ++ (with rustPlatform; [ cargoSetupHook rust.cargo rust.rustc ]);

  propagatedBuildInputs = [ anyio ];

  checkInputs = [ pytestCheckHook ];

  preCheck = ''
    cd tests
  '';

  meta = with lib; {
    broken = stdenv.isDarwin;
    license = licenses.mit;
  };
}
"#;

/// psycopg: a monorepo; the C speedups and the pool are `let`-bound build calls that share the
/// version, src and patches and are exposed both in `passthru.optional-dependencies` and as
/// `passthru = { c; pool; }`.
const PSYCOPG: &str = r#"{ lib, stdenv, buildPythonPackage, fetchFromGitHub, pythonOlder, substituteAll
, postgresql, setuptools, typing-extensions, cython_3, pytestCheckHook }:

let
  pname = "psycopg";
  version = "3.1.9";

  src = fetchFromGitHub {
    owner = "psycopg";
    repo = pname;
    rev = "refs/tags/${version}";
    hash = "sha256-BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=";
  };

  patches = [
    (substituteAll {
      src = ./ctypes.patch;
      libpq = "${postgresql.lib}/lib/libpq${stdenv.hostPlatform.extensions.sharedLibrary}";
    })
  ];

  psycopg-c = buildPythonPackage {
    pname = "${pname}-c";
    inherit version src;
    format = "pyproject";

    # apply patches to base repo
    inherit patches;

    # move into source root after patching
    postPatch = ''
      cd psycopg_c
    '';

    nativeBuildInputs = [ setuptools cython_3 postgresql ];

    # tested in psycopg
    doCheck = false;
  };

  psycopg-pool = buildPythonPackage {
    pname = "${pname}-pool";
    inherit version src;
    format = "setuptools";

    inherit patches;

    postPatch = ''
      cd psycopg_pool
    '';

    propagatedBuildInputs = lib.optionals (pythonOlder "3.10") [ typing-extensions ];

    doCheck = false;
  };
in
buildPythonPackage rec {
  inherit pname version src;
  format = "pyproject";

  inherit patches;

  # only move to sourceRoot after patching, makes patching easier
  postPatch = ''
    cd psycopg
  '';

  nativeBuildInputs = [ setuptools ];

  propagatedBuildInputs = [ psycopg-c ];

  passthru.optional-dependencies = {
    c = [ psycopg-c ];
    pool = [ psycopg-pool ];
  };

  preCheck = ''
    cd ..
  '';

  nativeCheckInputs = [ pytestCheckHook postgresql ]
    ++ passthru.optional-dependencies.c
    ++ passthru.optional-dependencies.pool;

  passthru = {
    c = psycopg-c;
    pool = psycopg-pool;
  };
}
"#;

/// opentelemetry-api: the family's parent (finalAttrs, a tag, a sub-directory).
const OTEL_API: &str = r#"{ lib, buildPythonPackage, fetchFromGitHub, hatchling, deprecated
, importlib-metadata, opentelemetry-api, pytestCheckHook }:

buildPythonPackage (finalAttrs: {
  pname = "opentelemetry-api";
  version = "1.38.0";
  pyproject = true;

  # every package of opentelemetry-python inherits this version and src
  src = fetchFromGitHub {
    owner = "open-telemetry";
    repo = "opentelemetry-python";
    tag = "v${finalAttrs.version}";
    hash = "sha256-BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=";
  };

  sourceRoot = "${finalAttrs.src.name}/opentelemetry-api";

  build-system = [ hatchling ];

  dependencies = [ deprecated importlib-metadata ];

  nativeCheckInputs = [ pytestCheckHook ];

  doCheck = false;

  passthru.tests.pytest = opentelemetry-api.overridePythonAttrs { doCheck = true; };
})
"#;

/// opentelemetry-sdk: `let self = …; in self`, version and src inherited, a dynamic passthru name.
const OTEL_SDK: &str = r#"{ lib, buildPythonPackage, hatchling, opentelemetry-api
, opentelemetry-semantic-conventions, typing-extensions, pytestCheckHook }:

let
  self = buildPythonPackage {
    inherit (opentelemetry-api) version src;
    pname = "opentelemetry-sdk";

    sourceRoot = "${opentelemetry-api.src.name}/opentelemetry-sdk";

    format = "pyproject";

    nativeBuildInputs = [ hatchling ];

    propagatedBuildInputs = [ opentelemetry-api opentelemetry-semantic-conventions typing-extensions ];

    nativeCheckInputs = [ pytestCheckHook ];

    doCheck = false;

    passthru.tests.${self.pname} = self.overridePythonAttrs { doCheck = true; };

    meta = opentelemetry-api.meta // { description = "OpenTelemetry Python SDK"; };
  };
in
self
"#;

/// opentelemetry-semantic-conventions: the src inherited, a version of its own.
const OTEL_SEMCONV: &str = r#"{ lib, buildPythonPackage, hatchling, opentelemetry-api, pytestCheckHook }:

buildPythonPackage {
  inherit (opentelemetry-api) src;
  pname = "opentelemetry-semantic-conventions";
  version = "0.59b0";
  pyproject = true;

  sourceRoot = "${opentelemetry-api.src.name}/opentelemetry-semantic-conventions";

  build-system = [ hatchling ];

  nativeCheckInputs = [ pytestCheckHook ];
}
"#;

const UA_PARSER: &str = r#"{ lib, buildPythonPackage, fetchFromGitHub, pyyaml, pytestCheckHook }:

buildPythonPackage rec {
  pname = "ua-parser";
  version = "1.0.1";
  pyproject = true;

  src = fetchFromGitHub {
    owner = "ua-parser";
    repo = "uap-python";
    tag = version;
    fetchSubmodules = true;
    hash = "sha256-BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=";
  };

  patches = [ ./dont-fetch-submodule.patch ];

  build-system = [ pyyaml ];

  nativeCheckInputs = [ pytestCheckHook ];

  preCheck = ''
    # import from $out
    rm ua_parser/__init__.py
  '';
}
"#;

const UA_PARSER_BUILTINS: &str = r#"{ buildPythonPackage, hatchling, pyyaml, ua-parser, versioningit }:

buildPythonPackage rec {
  pname = "ua-parser-builtins";
  inherit (ua-parser) version src;
  pyproject = true;

  sourceRoot = "${src.name}/ua-parser-builtins";

  postPatch = ''
    # don't use git to determine version
    substituteInPlace pyproject.toml \
      --replace-fail 'dynamic = ["version"]' 'version = "${version}"'
  '';

  build-system = [ hatchling pyyaml versioningit ];
}
"#;

/// setuptools: a patch, a platform-dependent preBuild without edits, tests off.
const SETUPTOOLS: &str = r#"{ stdenv, lib, buildPythonPackage, fetchFromGitHub, python, wheel }:

buildPythonPackage rec {
  pname = "setuptools";
  version = "75.1.0";
  format = "pyproject";

  src = fetchFromGitHub {
    owner = "pypa";
    repo = "setuptools";
    rev = "refs/tags/v${version}";
    hash = "sha256-BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=";
  };

  patches = [ ./tag-date.patch ];

  nativeBuildInputs = [ wheel ];

  preBuild = lib.optionalString (!stdenv.hostPlatform.isWindows) ''
    export SETUPTOOLS_INSTALL_WINDOWS_SPECIFIC_FILES=0
  '';

  # Requires pytest, causing infinite recursion.
  doCheck = false;
}
"#;

const ZOPE_INTERFACE: &str = r#"{ lib, buildPythonPackage, fetchFromGitHub, setuptools }:

buildPythonPackage rec {
  pname = "zope-interface";
  version = "7.1.1";
  pyproject = true;

  src = fetchFromGitHub {
    owner = "zopefoundation";
    repo = "zope.interface";
    rev = "refs/tags/${version}";
    hash = "sha256-BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=";
  };

  postPatch = ''
    substituteInPlace pyproject.toml --replace-fail "setuptools < 74" "setuptools"
  '';

  build-system = [ setuptools ];

  doCheck = false; # Circular deps.
}
"#;

/// cffi: `if isPyPy then null else …`, a patch on every platform plus a conditional one, a
/// Darwin-only source edit, tests off on musl only.
const CFFI: &str = r#"{ lib, stdenv, buildPythonPackage, isPyPy, fetchPypi, setuptools, pytestCheckHook
, libffi, pkg-config, pycparser }:

let
  ccVersion = lib.getVersion stdenv.cc;
in
if isPyPy then
  null
else
  buildPythonPackage rec {
    pname = "cffi";
    version = "1.17.1";
    pyproject = true;

    src = fetchPypi {
      inherit pname version;
      hash = "sha256-BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=";
    };

    patches = [
      # trusts the libffi of nixpkgs on Apple devices
      ./darwin-use-libffi-closures.diff
    ] ++ lib.optionals (stdenv.cc.isClang && lib.versionAtLeast ccVersion "13") [
      ./clang-pointer-substraction-warning.diff
    ];

    postPatch = lib.optionalString stdenv.hostPlatform.isDarwin ''
      substituteInPlace setup.py \
        --replace "'-iwithsysroot/usr/include/ffi'" ""
    '';

    nativeBuildInputs = [ pkg-config setuptools ];

    buildInputs = [ libffi ];

    propagatedBuildInputs = [ pycparser ];

    doCheck = !stdenv.hostPlatform.isMusl;

    nativeCheckInputs = [ pytestCheckHook ];
  }
"#;

/// django 5: substituteAll patches and a conditional one, source edits, a custom checkPhase.
const DJANGO_5: &str = r#"{ lib, stdenv, buildPythonPackage, fetchFromGitHub, pythonOlder, substituteAll
, setuptools, geos, gdal, withGdal ? false, asgiref, sqlparse, tzdata, python, jinja2 }:

buildPythonPackage rec {
  pname = "django";
  version = "5.1.3";
  pyproject = true;

  disabled = pythonOlder "3.10";

  src = fetchFromGitHub {
    owner = "django";
    repo = "django";
    rev = "refs/tags/${version}";
    hash = "sha256-BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=";
  };

  patches = [
    (substituteAll {
      src = ./django_5_set_zoneinfo_dir.patch;
      zoneinfo = tzdata + "/share/zoneinfo";
    })
    ./django_5_tests_pythonpath.patch
    ./django_5_disable_failing_tests.patch
  ] ++ lib.optionals withGdal [
    (substituteAll {
      src = ./django_5_set_geos_gdal_lib.patch;
      inherit geos gdal;
    })
  ];

  postPatch = ''
    substituteInPlace pyproject.toml \
      --replace-fail "setuptools>=61.0.0,<69.3.0" setuptools
  '';

  build-system = [ setuptools ];

  dependencies = [ asgiref sqlparse ];

  nativeCheckInputs = [ jinja2 tzdata ];

  doCheck = !stdenv.hostPlatform.isDarwin;

  preCheck = ''
    # make sure the installed library gets imported
    rm -rf django
  '';

  checkPhase = ''
    runHook preCheck
    pushd tests
    ${python.interpreter} runtests.py --settings=test_sqlite
    popd
    runHook postCheck
  '';
}
"#;

const MULTIDICT: &str = r#"{ lib, fetchFromGitHub, buildPythonPackage, objgraph, pytestCheckHook, setuptools }:

buildPythonPackage rec {
  pname = "multidict";
  version = "6.1.0";
  pyproject = true;

  src = fetchFromGitHub {
    owner = "aio-libs";
    repo = "multidict";
    tag = "v${version}";
    hash = "sha256-BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=";
  };

  postPatch = ''
    # the import test runs `python3 -I`, which cannot see the build's site-packages
    substituteInPlace tests/test_circular_imports.py --replace-fail '"-I",' ""
  '';

  build-system = [ setuptools ];

  nativeCheckInputs = [ objgraph pytestCheckHook ];

  preCheck = ''
    rm -r multidict
  '';
}
"#;

/// protobuf 6.x: the version must not be older than the C++ protoc (an assert in doCheck).
const PROTOBUF_6: &str = r#"{ buildPythonPackage, fetchPypi, lib, python, setuptools, protobuf }:

buildPythonPackage (finalAttrs: {
  pname = "protobuf";
  version = "6.31.1";
  pyproject = true;
  __structuredAttrs = true;

  src = fetchPypi {
    inherit (finalAttrs) pname version;
    hash = "sha256-BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=";
  };

  build-system = [ setuptools ];

  propagatedNativeBuildInputs = [ protobuf ];

  doCheck =
    # the C++ protobuf provides protoc, which must not be newer
    assert lib.versionAtLeast finalAttrs.version ("6." + protobuf.version);
    # the PyPI source archive does not ship tests
    false;

  postInstall = ''
    rm $out/${python.sitePackages}/google/__init__.py
  '';
})
"#;

/// An old protobuf recipe: everything inherited from the C++ library (an argument, not a
/// Python attribute).
const PROTOBUF_3: &str = r#"{ stdenv, python, buildPythonPackage, protobuf, google_apputils, disabled, doCheck ? true }:

with stdenv.lib;

buildPythonPackage rec {
  inherit (protobuf) name src version;
  inherit disabled doCheck;

  propagatedNativeBuildInputs = [ protobuf ];

  prePatch = ''
    while [ ! -d python ]; do
      cd *
    done
    cd python
  '';
}
"#;

/// djangoql: no `format` (the old default, setuptools), a checkPhase that needs the test project.
const DJANGOQL: &str = r#"{ lib, buildPythonPackage, fetchPypi, python, django, ply }:

buildPythonPackage rec {
  pname = "djangoql";
  version = "0.17.1";

  src = fetchPypi {
    inherit pname version;
    sha256 = "sha256-BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=";
  };

  propagatedBuildInputs = [ ply ];

  nativeCheckInputs = [ django ];

  checkPhase = ''
    export PYTHONPATH=test_project:$PYTHONPATH
    ${python.executable} test_project/manage.py test core.tests
  '';
}
"#;

/// dramatiq: nothing special but a GitHub checkout and tests.
const DRAMATIQ: &str = r#"{ lib, buildPythonPackage, fetchFromGitHub, gevent, pika, prometheus-client
, pytestCheckHook, redis, setuptools, watchdog }:

buildPythonPackage rec {
  pname = "dramatiq";
  version = "1.17.1";
  pyproject = true;

  src = fetchFromGitHub {
    owner = "Bogdanp";
    repo = "dramatiq";
    tag = "v${version}";
    hash = "sha256-BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=";
  };

  build-system = [ setuptools ];

  dependencies = [ prometheus-client ];

  optional-dependencies = {
    gevent = [ gevent ];
    rabbitmq = [ pika ];
    redis = [ redis ];
    watch = [ watchdog ];
  };

  nativeCheckInputs = [ pytestCheckHook pika redis ];

  pytestFlags = [ "--benchmark-disable" ];
}
"#;

/// xmlsec: its C library is an argument of the same name as the Python attribute.
const XMLSEC: &str = r#"{ lib, buildPythonPackage, fetchPypi, libxml2, libxslt, lxml, pkg-config, pkgconfig
, setuptools-scm, xmlsec }:

buildPythonPackage rec {
  pname = "xmlsec";
  version = "1.3.14";
  pyproject = true;

  src = fetchPypi {
    inherit pname version;
    hash = "sha256-BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=";
  };

  build-system = [ setuptools-scm ];

  nativeBuildInputs = [ pkg-config pkgconfig ];

  buildInputs = [ xmlsec libxslt libxml2 ];

  propagatedBuildInputs = [ lxml ];
}
"#;

fn files() -> BTreeMap<PathBuf, String> {
    let m = "pkgs/development/python-modules";
    let plain = |n: &str| {
        format!("{{ buildPythonPackage, fetchPypi }}: buildPythonPackage rec {{ pname = \"{n}\"; version = \"1.0\"; pyproject = true; src = fetchPypi {{ inherit pname version; hash = \"\"; }}; }}")
    };
    [
        (
            "pkgs/top-level/python-packages.nix".to_string(),
            PACKAGE_SET.to_string(),
        ),
        (format!("{m}/bcrypt/default.nix"), BCRYPT.into()),
        (format!("{m}/cffi/default.nix"), CFFI.into()),
        (format!("{m}/cryptography/default.nix"), CRYPTOGRAPHY.into()),
        (format!("{m}/django/5.nix"), DJANGO_5.into()),
        (format!("{m}/djangoql/default.nix"), DJANGOQL.into()),
        (format!("{m}/dramatiq/default.nix"), DRAMATIQ.into()),
        (format!("{m}/multidict/default.nix"), MULTIDICT.into()),
        (
            format!("{m}/opentelemetry-api/default.nix"),
            OTEL_API.into(),
        ),
        (
            format!("{m}/opentelemetry-sdk/default.nix"),
            OTEL_SDK.into(),
        ),
        (
            format!("{m}/opentelemetry-semantic-conventions/default.nix"),
            OTEL_SEMCONV.into(),
        ),
        (format!("{m}/orjson/default.nix"), ORJSON.into()),
        (format!("{m}/protobuf/6.nix"), PROTOBUF_6.into()),
        (format!("{m}/protobuf/3.nix"), PROTOBUF_3.into()),
        (format!("{m}/psycopg/default.nix"), PSYCOPG.into()),
        (
            format!("{m}/pydantic-core/default.nix"),
            PYDANTIC_CORE.into(),
        ),
        (format!("{m}/rpds-py/default.nix"), RPDS_PY.into()),
        (format!("{m}/setuptools/default.nix"), SETUPTOOLS.into()),
        (
            format!("{m}/setuptools-rust/default.nix"),
            plain("setuptools-rust"),
        ),
        (format!("{m}/cython/default.nix"), plain("cython")),
        (format!("{m}/hatchling/default.nix"), plain("hatchling")),
        (format!("{m}/pyyaml/default.nix"), plain("pyyaml")),
        (format!("{m}/wheel/default.nix"), plain("wheel")),
        (
            format!("{m}/versioningit/default.nix"),
            plain("versioningit"),
        ),
        (format!("{m}/pkgconfig/default.nix"), plain("pkgconfig")),
        (
            format!("{m}/setuptools-scm/default.nix"),
            plain("setuptools-scm"),
        ),
        (format!("{m}/xmlsec/default.nix"), XMLSEC.into()),
        (
            format!("{m}/typing-extensions/default.nix"),
            plain("typing-extensions"),
        ),
        (format!("{m}/ua-parser/default.nix"), UA_PARSER.into()),
        (
            format!("{m}/ua-parser-builtins/default.nix"),
            UA_PARSER_BUILTINS.into(),
        ),
        (format!("{m}/watchfiles/default.nix"), WATCHFILES.into()),
        (
            format!("{m}/zope-interface/default.nix"),
            ZOPE_INTERFACE.into(),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (PathBuf::from(k), v))
    .collect()
}

fn scanned() -> Index {
    index_from_files(&files(), &ScanLimits::default()).expect("scan")
}

fn names(v: &[&str]) -> Option<Vec<String>> {
    Some(v.iter().map(|s| s.to_string()).collect())
}

/// Everything known and off: the features of a plain PyPI recipe; tests say what differs.
fn plain() -> RecipeFeatures {
    RecipeFeatures {
        src_fetcher: Some(SrcFetcher::FetchPypi),
        rust_vendor: Some(false),
        patches: Some(false),
        source_root: Some(false),
        substitutions: Some(false),
        custom_check: Some(false),
        runs_tests: Some(false),
        eval_assert: Some(false),
        family: None,
        family_passthru: None,
        format: Some(RecipeFormat::Pyproject),
        native_build_inputs: Some(vec![]),
        build_inputs: Some(vec![]),
    }
}

fn github() -> RecipeFeatures {
    RecipeFeatures {
        src_fetcher: Some(SrcFetcher::FetchFromGitHub),
        ..plain()
    }
}

#[test]
fn rust_recipes_vendor_from_their_src() {
    let idx = scanned();
    let f = |a: &str| idx.get(a).unwrap_or_else(|| panic!("{a}")).features.clone();
    assert_eq!(
        f("cryptography"),
        RecipeFeatures {
            rust_vendor: Some(true),
            substitutions: Some(true),
            runs_tests: Some(true),
            format: Some(RecipeFormat::Setuptools),
            // cffi and setuptools-rust are Python attributes (the fresh build gets them from the
            // build system); the inputs of every platform are listed
            native_build_inputs: names(&[
                "cargo",
                "pkg-config",
                "rustPlatform.cargoSetupHook",
                "rustc"
            ]),
            build_inputs: names(&["Security", "libiconv", "libxcrypt", "openssl"]),
            ..plain()
        }
    );
    assert_eq!(
        f("orjson"),
        RecipeFeatures {
            rust_vendor: Some(true),
            runs_tests: Some(true),
            native_build_inputs: names(&["cargoSetupHook", "maturinBuildHook"]),
            build_inputs: names(&["libiconv"]),
            ..github()
        }
    );
    assert_eq!(
        f("pydantic-core"),
        RecipeFeatures {
            rust_vendor: Some(true),
            patches: Some(true),
            // `build-system` counts (buildPythonPackage adds it to nativeBuildInputs)
            native_build_inputs: names(&[
                "cargo",
                "rustPlatform.cargoSetupHook",
                "rustPlatform.maturinBuildHook",
                "rustc"
            ]),
            build_inputs: names(&["libiconv"]),
            ..github()
        }
    );
    assert_eq!(
        idx.get("pydantic-core").unwrap().version.as_deref(),
        Some("2.16.2")
    );
    assert_eq!(
        f("rpds-py"),
        RecipeFeatures {
            rust_vendor: Some(true),
            runs_tests: Some(true),
            native_build_inputs: names(&[
                "cargo",
                "rustPlatform.cargoSetupHook",
                "rustPlatform.maturinBuildHook",
                "rustc"
            ]),
            build_inputs: names(&["libiconv"]),
            ..plain()
        }
    );
    assert_eq!(
        f("bcrypt"),
        RecipeFeatures {
            rust_vendor: Some(true),
            runs_tests: Some(true),
            native_build_inputs: names(&["cargoSetupHook", "rust.cargo", "rust.rustc"]),
            build_inputs: names(&["libiconv"]),
            ..plain()
        }
    );
    assert_eq!(
        f("watchfiles"),
        RecipeFeatures {
            rust_vendor: Some(true),
            custom_check: Some(true),
            runs_tests: Some(true),
            format: Some(RecipeFormat::Setuptools),
            native_build_inputs: names(&["cargoSetupHook", "rust.cargo", "rust.rustc"]),
            ..github()
        }
    );
    assert_eq!(idx.get("watchfiles").unwrap().broken, None);
    for a in [
        "cryptography",
        "orjson",
        "pydantic-core",
        "rpds-py",
        "bcrypt",
        "watchfiles",
    ] {
        assert!(
            f(a).swap_blockers().contains(&SwapBlocker::RustVendor),
            "{a}"
        );
    }
}

#[test]
fn families_from_passthru_children_and_inherited_sources() {
    let idx = scanned();
    let e = |a: &str| idx.get(a).unwrap_or_else(|| panic!("{a}"));
    // psycopg's children share its version, src and patches and build a sub-directory
    let psycopg = RecipeFeatures {
        patches: Some(true),
        custom_check: Some(true),
        runs_tests: Some(true),
        ..github()
    };
    assert_eq!(e("psycopg").features, psycopg);
    assert_eq!(e("psycopg").version.as_deref(), Some("3.1.9"));
    let child = RecipeFeatures {
        patches: Some(true),
        family: Some("psycopg".into()),
        ..github()
    };
    assert_eq!(
        e("psycopg-c").features,
        RecipeFeatures {
            family_passthru: Some("c".into()),
            native_build_inputs: names(&["postgresql"]),
            ..child.clone()
        }
    );
    assert_eq!(
        e("psycopg-pool").features,
        RecipeFeatures {
            family_passthru: Some("pool".into()),
            format: Some(RecipeFormat::Setuptools),
            ..child
        }
    );
    // the child's pname is an expression (`"${pname}-c"`): the attribute stands in; its version
    // is the parent file's literal
    assert_eq!(e("psycopg-c").pname, "psycopg-c");
    assert_eq!(e("psycopg-c").version.as_deref(), Some("3.1.9"));
    assert!(e("psycopg-c")
        .note
        .as_deref()
        .unwrap()
        .contains("passthru child of psycopg"));
    let family: Vec<&str> = idx
        .family("psycopg-pool")
        .iter()
        .map(|e| e.attr.as_str())
        .collect();
    assert_eq!(family, ["psycopg", "psycopg-c", "psycopg-pool"]);

    // opentelemetry: sub-directories of one checkout; the fetcher comes from the parent's recipe
    let otel = RecipeFeatures {
        source_root: Some(true),
        ..github()
    };
    assert_eq!(e("opentelemetry-api").features, otel);
    assert_eq!(
        e("opentelemetry-sdk").features,
        RecipeFeatures {
            family: Some("opentelemetry-api".into()),
            ..otel.clone()
        }
    );
    assert_eq!(
        e("opentelemetry-sdk").version_expr.as_deref(),
        Some("inherit (opentelemetry-api) version")
    );
    assert_eq!(
        e("opentelemetry-semantic-conventions").features,
        RecipeFeatures {
            family: Some("opentelemetry-api".into()),
            runs_tests: Some(true),
            ..otel
        }
    );
    assert_eq!(
        e("opentelemetry-semantic-conventions").version.as_deref(),
        Some("0.59b0")
    );
    assert_eq!(
        e("ua-parser-builtins").features,
        RecipeFeatures {
            source_root: Some(true),
            substitutions: Some(true),
            family: Some("ua-parser".into()),
            ..github()
        }
    );
    assert_eq!(
        e("ua-parser").features,
        RecipeFeatures {
            patches: Some(true),
            custom_check: Some(true),
            runs_tests: Some(true),
            ..github()
        }
    );
    assert_eq!(
        e("opentelemetry-sdk").features.swap_blockers(),
        vec![
            SwapBlocker::Fetcher(SrcFetcher::FetchFromGitHub),
            SwapBlocker::SourceRoot,
            SwapBlocker::Family("opentelemetry-api".into())
        ]
    );
}

#[test]
fn patches_edits_checks_and_asserts_written_for_nixpkgs_version() {
    let idx = scanned();
    let f = |a: &str| idx.get(a).unwrap_or_else(|| panic!("{a}")).features.clone();
    assert_eq!(
        f("setuptools"),
        RecipeFeatures {
            patches: Some(true),
            ..github()
        }
    );
    assert_eq!(
        f("zope-interface"),
        RecipeFeatures {
            substitutions: Some(true),
            ..github()
        }
    );
    // cffi: one patch everywhere; the edit is Darwin-only, so the scan cannot say
    assert_eq!(
        f("cffi"),
        RecipeFeatures {
            patches: Some(true),
            substitutions: None,
            runs_tests: Some(true),
            native_build_inputs: names(&["pkg-config"]),
            build_inputs: names(&["libffi"]),
            ..plain()
        }
    );
    assert_eq!(idx.get("cffi").unwrap().version.as_deref(), Some("1.17.1"));
    let django = RecipeFeatures {
        patches: Some(true),
        substitutions: Some(true),
        custom_check: Some(true),
        runs_tests: Some(true),
        ..github()
    };
    assert_eq!(f("django_5"), django);
    assert_eq!(f("django"), django, "an alias has its target's features");
    assert_eq!(
        f("multidict"),
        RecipeFeatures {
            substitutions: Some(true),
            custom_check: Some(true),
            runs_tests: Some(true),
            ..github()
        }
    );
    assert_eq!(
        f("protobuf6"),
        RecipeFeatures {
            eval_assert: Some(true),
            ..plain()
        }
    );
    assert_eq!(f("protobuf"), f("protobuf6"));
    assert_eq!(
        f("protobuf6").swap_blockers(),
        vec![SwapBlocker::EvalAssert]
    );
    // everything inherited from an argument that python-packages.nix sets to the C++ library:
    // no family, the fetcher unknown, said in the note
    let p3 = idx.get("protobuf3").unwrap();
    assert_eq!(p3.features.family, None);
    assert_eq!(p3.features.src_fetcher, None);
    assert_eq!(p3.features.runs_tests, Some(false));
    assert!(
        p3.note.as_deref().unwrap().contains(
            "src inherited from `protobuf`, which is not an attribute of the Python set here"
        ),
        "{:?}",
        p3.note
    );
    assert_eq!(
        f("djangoql"),
        RecipeFeatures {
            custom_check: Some(true),
            runs_tests: Some(true),
            format: Some(RecipeFormat::Setuptools),
            ..plain()
        }
    );
    assert_eq!(
        f("dramatiq"),
        RecipeFeatures {
            runs_tests: Some(true),
            ..github()
        }
    );
    assert_eq!(
        f("dramatiq").swap_blockers(),
        vec![SwapBlocker::Fetcher(SrcFetcher::FetchFromGitHub)]
    );
    assert_eq!(f("typing-extensions").swap_blockers(), vec![]);
    // an explicit callPackage argument is not the Python attribute it shadows
    assert_eq!(
        f("xmlsec").build_inputs,
        names(&["libxml2", "libxslt", "xmlsec"])
    );
    assert_eq!(f("xmlsec").native_build_inputs, names(&["pkg-config"]));
}

#[test]
fn the_in_memory_and_on_disk_scans_agree() {
    let dir = tempfile::tempdir().unwrap();
    for (rel, text) in files() {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let disk = index_from_source_tree(dir.path()).unwrap();
    assert_eq!(disk.to_tsv(), scanned().to_tsv());
    assert_eq!(disk.len(), 36); // the 36 bindings of PACKAGE_SET
                                // written and read again, the features survive
    let back = Index::parse(&disk.to_tsv(), "scan.tsv").unwrap();
    assert_eq!(back, disk);
}

// ---------------------------------------------------------------------------------------------
// hostile input
// ---------------------------------------------------------------------------------------------

fn with_recipe(recipe: &str) -> BTreeMap<PathBuf, String> {
    let mut f = BTreeMap::new();
    f.insert(
        PathBuf::from("pkgs/top-level/python-packages.nix"),
        "self: super: with self; { x = callPackage ../development/python-modules/x { }; ok = callPackage ../development/python-modules/ok { }; }".to_string(),
    );
    f.insert(
        PathBuf::from("pkgs/development/python-modules/ok/default.nix"),
        "{ buildPythonPackage }: buildPythonPackage { pname = \"ok\"; version = \"1\"; pyproject = true; }".to_string(),
    );
    f.insert(
        PathBuf::from("pkgs/development/python-modules/x/default.nix"),
        recipe.to_string(),
    );
    f
}

/// Scans within a time bound; returns `x`'s note and features (the good recipe still scans).
fn scan_hostile(recipe: &str, limits: &ScanLimits) -> (String, RecipeFeatures) {
    let started = Instant::now();
    let idx = index_from_files(&with_recipe(recipe), limits).expect("the scan itself succeeds");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(idx.get("ok").unwrap().version.as_deref(), Some("1"));
    let x = idx.get("x").unwrap();
    (x.note.clone().unwrap_or_default(), x.features.clone())
}

#[test]
fn hostile_recipes_become_notes_not_crashes() {
    let limits = ScanLimits::default();
    let n = 200_000;
    // nesting the parser would recurse into (lists, unary minus, negation, parentheses)
    for deep in [
        "[".repeat(n) + &"]".repeat(n),
        "-".repeat(n) + "1",
        "- ".repeat(n) + "1",
        "!".repeat(n) + "true",
        "(".repeat(n) + "1" + &")".repeat(n),
        format!("{{ buildPythonPackage }}: buildPythonPackage {{ pname = \"x\"; version = \"1\"; patches = {}[]{}; }}", "[".repeat(n), "]".repeat(n)),
    ] {
        let (note, f) = scan_hostile(&deep, &limits);
        assert!(note.contains("nested deeper than 256 levels"), "{note}");
        assert!(!f.known());
    }
    // long flat chains stay within the walkers' depth: the list is unknown, not a crash
    let chain = format!(
        "{{ buildPythonPackage }}: buildPythonPackage {{ pname = \"x\"; version = \"1\"; pyproject = true; nativeBuildInputs = {}[ b ]; buildInputs = [ c ] ++ x; }}",
        "[ a ] ++ ".repeat(20_000),
    );
    let (note, f) = scan_hostile(&chain, &limits);
    assert!(f.known(), "{note}");
    assert_eq!(f.native_build_inputs, None);
    assert_eq!(
        f.build_inputs, None,
        "an unknown part makes the list unknown"
    );
    assert_eq!(f.rust_vendor, Some(false));
    // a list longer than the limit is unknown, with a note
    let many: String = (0..300).map(|i| format!(" i{i}")).collect();
    let (note, f) = scan_hostile(
        &format!("{{ buildPythonPackage }}: buildPythonPackage {{ pname = \"x\"; version = \"1\"; pyproject = true; buildInputs = [{many} ]; }}"),
        &limits,
    );
    assert_eq!(f.build_inputs, None);
    assert!(
        note.contains("buildInputs has more than 256 inputs"),
        "{note}"
    );
    // a file over the size limit is not read
    let small = ScanLimits {
        max_recipe_bytes: 1000,
        ..ScanLimits::default()
    };
    let (note, f) = scan_hostile(&format!("# {}\n{{ }}: 1", "x".repeat(2000)), &small);
    assert!(note.contains("larger than 1000 bytes"), "{note}");
    assert!(!f.known());
    // not Nix, not UTF-8-ish garbage, an empty file: notes
    for junk in [
        "\u{0}\u{1}\u{2}{{{{",
        "",
        "let in in in",
        "buildPythonPackage",
    ] {
        let (note, f) = scan_hostile(junk, &limits);
        assert!(!note.is_empty(), "{junk:?}");
        assert!(!f.known(), "{junk:?}");
    }
}

#[test]
fn hostile_package_sets_are_limited_or_contained() {
    let set = |body: &str| {
        let mut f = BTreeMap::new();
        f.insert(
            PathBuf::from("pkgs/top-level/python-packages.nix"),
            format!("self: super: with self; {{ {body} }}"),
        );
        f
    };
    // more bindings than allowed: an error with the line
    let limits = ScanLimits {
        max_attributes: 100,
        ..ScanLimits::default()
    };
    let body: String = (0..101).map(|i| format!("a{i} = b;\n")).collect();
    match index_from_files(&set(&body), &limits) {
        Err(Error::Limit { line, limit, .. }) => assert_eq!((line, limit), (101, 100)),
        other => panic!("{other:?}"),
    }
    // too deep: an error, not a stack overflow
    let deep = format!("x = {}1{};", "(".repeat(100_000), ")".repeat(100_000));
    let e = index_from_files(&set(&deep), &ScanLimits::default()).unwrap_err();
    assert!(
        e.to_string()
            .contains("nested deeper than the limit of 256 levels"),
        "{e}"
    );
    // alias cycles, a passthru child of itself, paths out of the tree, a child of a missing
    // parent: entries with notes
    let body =
        "a = b; b = a; c = c.c; d = callPackage ../../../../../../etc { }; e = missing.c; f = d.x;";
    let idx = index_from_files(&set(body), &ScanLimits::default()).unwrap();
    assert!(idx
        .get("a")
        .unwrap()
        .note
        .as_deref()
        .unwrap()
        .contains("alias cycle"));
    assert_eq!(idx.get("c").unwrap().features.family, None);
    assert!(idx
        .get("d")
        .unwrap()
        .note
        .as_deref()
        .unwrap()
        .contains("not found"));
    assert!(!idx.get("e").unwrap().features.known());
    assert!(!idx.get("f").unwrap().features.known());
    // a huge package set file is refused before parsing
    let limits = ScanLimits {
        max_package_set_bytes: 1000,
        ..ScanLimits::default()
    };
    let e = index_from_files(&set(&"#".repeat(2000)), &limits).unwrap_err();
    assert!(matches!(e, Error::Limit { limit: 1000, .. }), "{e}");
}

/// A `pkgs/by-name` application built with mkDerivation around a private interpreter (nixpkgs'
/// authentik): a top-level name with its version, not the first Python build call in the file.
#[test]
fn by_name_applications_built_otherwise_are_top_level_names() {
    let mut f = files();
    f.insert(
        PathBuf::from("pkgs/by-name/au/authentik/package.nix"),
        r#"{ lib, stdenvNoCC, fetchFromGitHub, python312, makeWrapper }:
let
  version = "2025.2.3";
  src = fetchFromGitHub { owner = "goauthentik"; repo = "authentik"; rev = "version/${version}"; hash = ""; };
  python = python312.override {
    self = python;
    packageOverrides = final: prev: {
      djangorestframework = prev.buildPythonPackage rec {
        pname = "djangorestframework";
        version = "3.14.0";
        format = "setuptools";
        src = fetchFromGitHub { owner = "encode"; repo = "django-rest-framework"; tag = version; hash = ""; };
      };
      authentik-django = prev.buildPythonPackage { pname = "authentik-django"; inherit version src; pyproject = true; };
    };
  };
in
stdenvNoCC.mkDerivation {
  pname = "authentik";
  inherit src version;
  nativeBuildInputs = [ makeWrapper ];
}
"#
        .to_string(),
    );
    f.insert(
        PathBuf::from("pkgs/by-name/he/hello/package.nix"),
        "{ stdenv }: stdenv.mkDerivation { pname = \"hello\"; version = \"2.12\"; }".to_string(),
    );
    let idx = index_from_files(&f, &ScanLimits::default()).unwrap();
    let a = idx
        .get_in("authentik", lock2nix_nixpkgs::Scope::TopLevel)
        .unwrap();
    assert_eq!(
        (a.pname.as_str(), a.version.as_deref()),
        ("authentik", Some("2025.2.3"))
    );
    assert!(!a.features.known());
    assert!(a
        .note
        .as_deref()
        .unwrap()
        .contains("built with mkDerivation"));
    // a file that mentions no Python build is not listed
    assert!(idx.get("hello").is_none());
}

self: super: with self; { psycopg = callPackage ../development/python-modules/psycopg/default.nix { }; }
=== pkgs/development/python-modules/psycopg/default.nix
# A monorepo checkout with passthru children (psycopg.c, psycopg.pool) that share its version,
# src and patches and `cd` into their sub-directories after patching.
{
  lib,
  buildPythonPackage,
  fetchFromGitHub,
  postgresql,
  setuptools,
}:

let
  pname = "psycopg";
  version = "3.2.3";
  src = fetchFromGitHub {
    owner = "psycopg";
    repo = "psycopg";
    tag = version;
    hash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  };

  patches = [ ./ctypes.patch ];

  # the C speedups, exposed as psycopg.c and, in python-packages.nix, as psycopg-c
  psycopg-c = buildPythonPackage {
    pname = "psycopg-c";
    inherit version src;
    pyproject = true;

    # apply patches to the repository root
    inherit patches;

    # move into the source root after patching
    postPatch = ''
      cd psycopg_c
    '';

    build-system = [ setuptools ];

    nativeBuildInputs = [ postgresql ];

    # tested in psycopg
    doCheck = false;
  };

  psycopg-pool = buildPythonPackage {
    pname = "psycopg-pool";
    inherit version src;
    format = "setuptools";

    inherit patches;

    postPatch = ''
      cd psycopg_pool
    '';

    doCheck = false;
  };
in
buildPythonPackage {
  inherit pname version src;
  pyproject = true;

  inherit patches;

  postPatch = ''
    cd psycopg
  '';

  build-system = [ setuptools ];

  buildInputs = [ postgresql ];

  passthru.optional-dependencies = {
    c = [ psycopg-c ];
    pool = [ psycopg-pool ];
  };

  nativeCheckInputs = [ setuptools ];

  preCheck = ''
    cd ..
  '';

  passthru = {
    c = psycopg-c;
    pool = psycopg-pool;
  };

  meta.license = "LGPL-3.0-only";
}

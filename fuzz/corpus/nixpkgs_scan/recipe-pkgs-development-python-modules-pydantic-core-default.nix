self: super: with self; { pydantic-core = callPackage ../development/python-modules/pydantic-core/default.nix { }; }
=== pkgs/development/python-modules/pydantic-core/default.nix
# A let-bound recipe (`in pydantic-core`), a patch, Rust, tests off with a passthru test.
{
  lib,
  buildPythonPackage,
  fetchFromGitHub,
  rustPlatform,
  cargo,
  rustc,
  typing-extensions,
}:

let
  pydantic-core = buildPythonPackage rec {
    pname = "pydantic-core";
    version = "2.33.2";
    pyproject = true;

    src = fetchFromGitHub {
      owner = "pydantic";
      repo = "pydantic-core";
      tag = "v${version}";
      hash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    };

    patches = [ ./01-remove-benchmark-flags.patch ];

    cargoDeps = rustPlatform.fetchCargoVendor {
      inherit src;
      hash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    };

    nativeBuildInputs = [
      cargo
      rustPlatform.cargoSetupHook
      rustc
    ];

    build-system = [ rustPlatform.maturinBuildHook ];

    dependencies = [ typing-extensions ];

    # escape infinite recursion with pydantic
    doCheck = false;
    passthru.tests.pytest = pydantic-core.overridePythonAttrs { doCheck = true; };

    nativeCheckInputs = [ typing-extensions ];

    meta.license = lib.licenses.mit;
  };
in
pydantic-core

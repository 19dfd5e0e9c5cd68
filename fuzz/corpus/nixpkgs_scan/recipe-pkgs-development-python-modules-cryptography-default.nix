self: super: with self; { cryptography = callPackage ../development/python-modules/cryptography/default.nix { }; }
=== pkgs/development/python-modules/cryptography/default.nix
# Rust vendored from the recipe's own src (fetchPypi sdist), a source edit, native tools.
{
  lib,
  buildPythonPackage,
  fetchPypi,
  rustPlatform,
  cargo,
  rustc,
  pkg-config,
  openssl,
  cffi,
  setuptools,
}:

buildPythonPackage rec {
  pname = "cryptography";
  version = "45.0.4";
  pyproject = true;

  src = fetchPypi {
    inherit pname version;
    hash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  };

  cargoDeps = rustPlatform.fetchCargoVendor {
    inherit src;
    hash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  };

  postPatch = ''
    substituteInPlace pyproject.toml \
      --replace-fail "--benchmark-disable" ""
  '';

  build-system = [ setuptools ];

  nativeBuildInputs = [
    cffi
    pkg-config
    rustPlatform.cargoSetupHook
    cargo
    rustc
  ];

  buildInputs = [ openssl ];

  dependencies = [ cffi ];

  nativeCheckInputs = [ setuptools ];

  meta.license = lib.licenses.asl20;
}

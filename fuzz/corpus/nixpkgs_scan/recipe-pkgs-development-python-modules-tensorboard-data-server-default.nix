self: super: with self; { tensorboard-data-server = callPackage ../development/python-modules/tensorboard-data-server/default.nix { }; }
=== pkgs/development/python-modules/tensorboard-data-server/default.nix
# A recipe that installs a wheel.
{
  lib,
  buildPythonPackage,
  fetchPypi,
}:

buildPythonPackage rec {
  pname = "tensorboard-data-server";
  version = "0.7.2";
  format = "wheel";

  src = fetchPypi {
    pname = "tensorboard_data_server";
    inherit version format;
    dist = "py3";
    python = "py3";
    platform = "manylinux_2_31_x86_64";
    hash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  };

  meta.license = lib.licenses.asl20;
}

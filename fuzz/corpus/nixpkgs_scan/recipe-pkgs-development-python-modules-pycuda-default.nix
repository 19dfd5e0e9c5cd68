self: super: with self; { pycuda = callPackage ../development/python-modules/pycuda/default.nix { }; }
=== pkgs/development/python-modules/pycuda/default.nix
{
  lib,
  config,
  buildPythonPackage,
  fetchPypi,
}:

if !(config.cudaSupport or false) then
  throw "pycuda needs CUDA: set config.cudaSupport = true"
else
  buildPythonPackage rec {
    pname = "pycuda";
    version = "2024.1.2";
    pyproject = true;

    src = fetchPypi {
      inherit pname version;
      hash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    };
  }

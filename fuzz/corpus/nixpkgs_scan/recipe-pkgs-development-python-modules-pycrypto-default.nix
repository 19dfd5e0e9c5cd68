self: super: with self; { pycrypto = callPackage ../development/python-modules/pycrypto/default.nix { }; }
=== pkgs/development/python-modules/pycrypto/default.nix
{
  lib,
  buildPythonPackage,
  fetchPypi,
}:

buildPythonPackage rec {
  pname = "pycrypto";
  version = "2.6.1";
  pyproject = true;

  src = fetchPypi {
    inherit pname version;
    hash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  };

  meta = {
    description = "Unmaintained, does not build with current compilers";
    broken = true;
  };
}

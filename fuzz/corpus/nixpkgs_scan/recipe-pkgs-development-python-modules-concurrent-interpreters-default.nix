self: super: with self; { concurrent-interpreters = callPackage ../development/python-modules/concurrent-interpreters/default.nix { }; }
=== pkgs/development/python-modules/concurrent-interpreters/default.nix
{
  lib,
  buildPythonPackage,
  fetchPypi,
  pythonOlder,
}:

buildPythonPackage rec {
  pname = "concurrent-interpreters";
  version = "0.2.0";
  pyproject = true;

  # needs the Python 3.14 interpreters module
  disabled = pythonOlder "3.14";

  src = fetchPypi {
    inherit pname version;
    hash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  };

  meta.license = lib.licenses.mit;
}

self: super: with self; { pyjwt = callPackage ../development/python-modules/pyjwt/default.nix { }; }
=== pkgs/development/python-modules/pyjwt/default.nix
{
  lib,
  buildPythonPackage,
  fetchPypi,
}:

buildPythonPackage rec {
  pname = "PyJWT";
  version = "2.10.1";
  pyproject = true;

  src = fetchPypi {
    inherit pname version;
    hash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  };

  meta.license = lib.licenses.mit;
}

self: super: with self; { requests = callPackage ../development/python-modules/requests/default.nix { }; }
=== pkgs/development/python-modules/requests/default.nix
{
  lib,
  buildPythonPackage,
  fetchPypi,
}:

buildPythonPackage rec {
  pname = "requests";
  version = "2.32.3";
  pyproject = true;

  src = fetchPypi {
    inherit pname version;
    hash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  };

  meta = with lib; {
    license = licenses.asl20;
    broken = false;
  };
}

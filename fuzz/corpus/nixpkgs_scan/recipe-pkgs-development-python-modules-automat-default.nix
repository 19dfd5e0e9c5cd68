self: super: with self; { automat = callPackage ../development/python-modules/automat/default.nix { }; }
=== pkgs/development/python-modules/automat/default.nix
{
  lib,
  buildPythonPackage,
  fetchPypi,
}:

buildPythonPackage rec {
  pname = "Automat";
  version = "25.4.16";
  pyproject = true;

  src = fetchPypi {
    inherit pname version;
    hash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  };

  meta = with lib; {
    description = "Self-service finite-state machines (pname differs from the attribute)";
    license = licenses.mit;
  };
}

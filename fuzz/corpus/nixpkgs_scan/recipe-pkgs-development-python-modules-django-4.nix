self: super: with self; { django = callPackage ../development/python-modules/django/4.nix { }; }
=== pkgs/development/python-modules/django/4.nix
{
  lib,
  buildPythonPackage,
  fetchPypi,
}:

buildPythonPackage rec {
  pname = "django";
  version = "4.2.17";
  pyproject = true;

  src = fetchPypi {
    inherit pname version;
    hash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  };

  meta.license = lib.licenses.bsd3;
}

self: super: with self; { djangoql = callPackage ../development/python-modules/djangoql/default.nix { }; }
=== pkgs/development/python-modules/djangoql/default.nix
# A custom checkPhase that needs the sdist's test project.
{
  lib,
  buildPythonPackage,
  fetchPypi,
  python,
  django,
}:

buildPythonPackage rec {
  pname = "djangoql";
  version = "0.18.1";
  format = "setuptools";

  src = fetchPypi {
    inherit pname version;
    hash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  };

  dependencies = [ django ];

  nativeCheckInputs = [ django ];

  checkPhase = ''
    export PYTHONPATH=test_project:$PYTHONPATH
    ${python.executable} test_project/manage.py test core.tests
  '';

  meta.license = lib.licenses.mit;
}

self: super: with self; { attrs = callPackage ../development/python-modules/attrs/default.nix { }; }
=== pkgs/development/python-modules/attrs/default.nix
{
  lib,
  buildPythonPackage,
  fetchPypi,
}:

buildPythonPackage (finalAttrs: {
  pname = "attrs";
  version = "24.3.0";
  pyproject = true;

  src = fetchPypi {
    inherit (finalAttrs) pname version;
    hash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  };

  meta = {
    description = "Classes without boilerplate (finalAttrs form)";
    license = lib.licenses.mit;
  };
})

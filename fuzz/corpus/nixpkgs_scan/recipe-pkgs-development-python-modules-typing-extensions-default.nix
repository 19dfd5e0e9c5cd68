self: super: with self; { typing-extensions = callPackage ../development/python-modules/typing-extensions/default.nix { }; }
=== pkgs/development/python-modules/typing-extensions/default.nix
{
  lib,
  buildPythonPackage,
  fetchPypi,
}:

buildPythonPackage rec {
  pname = "typing-extensions";
  version = "4.12.2";
  pyproject = true;

  src = fetchPypi {
    pname = "typing_extensions";
    inherit version;
    hash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  };

  meta.license = lib.licenses.asl20;
}

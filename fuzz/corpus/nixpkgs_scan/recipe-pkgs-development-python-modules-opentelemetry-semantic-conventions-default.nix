self: super: with self; { opentelemetry-semantic-conventions = callPackage ../development/python-modules/opentelemetry-semantic-conventions/default.nix { }; }
=== pkgs/development/python-modules/opentelemetry-semantic-conventions/default.nix
# Only the src is inherited; the version is its own.
{
  lib,
  buildPythonPackage,
  opentelemetry-api,
}:

buildPythonPackage {
  inherit (opentelemetry-api) src;
  pname = "opentelemetry-semantic-conventions";
  version = "0.50b0";
  pyproject = true;

  sourceRoot = "${opentelemetry-api.src.name}/opentelemetry-semantic-conventions";

  dependencies = [ opentelemetry-api ];

  doCheck = false;

  meta.license = lib.licenses.asl20;
}

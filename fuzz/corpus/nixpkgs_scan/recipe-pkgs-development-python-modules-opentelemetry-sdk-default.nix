self: super: with self; { opentelemetry-sdk = callPackage ../development/python-modules/opentelemetry-sdk/default.nix { }; }
=== pkgs/development/python-modules/opentelemetry-sdk/default.nix
{
  lib,
  buildPythonPackage,
  opentelemetry-api,
}:

let
  self = buildPythonPackage {
    pname = "opentelemetry-sdk";
    # the version is inherited from another derivation: not a literal
    inherit (opentelemetry-api) version src;
    pyproject = true;

    sourceRoot = "${opentelemetry-api.src.name}/opentelemetry-sdk";

    dependencies = [ opentelemetry-api ];

    doCheck = false;

    meta.license = lib.licenses.asl20;
  };
in
self

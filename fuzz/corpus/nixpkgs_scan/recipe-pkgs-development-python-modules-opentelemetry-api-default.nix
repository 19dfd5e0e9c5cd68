self: super: with self; { opentelemetry-api = callPackage ../development/python-modules/opentelemetry-api/default.nix { }; }
=== pkgs/development/python-modules/opentelemetry-api/default.nix
# The parent of the opentelemetry family: a sub-directory of a GitHub checkout (finalAttrs form).
{
  lib,
  buildPythonPackage,
  fetchFromGitHub,
}:

buildPythonPackage (finalAttrs: {
  pname = "opentelemetry-api";
  version = "1.29.0";
  pyproject = true;

  # every package of opentelemetry-python inherits this version and src
  src = fetchFromGitHub {
    owner = "open-telemetry";
    repo = "opentelemetry-python";
    tag = "v${finalAttrs.version}";
    hash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  };

  sourceRoot = "${finalAttrs.src.name}/opentelemetry-api";

  doCheck = false;

  meta.license = lib.licenses.asl20;
})

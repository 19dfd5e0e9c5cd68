self: super: with self; { multidict = callPackage ../development/python-modules/multidict/default.nix { }; }
=== pkgs/development/python-modules/multidict/default.nix
# A source edit of a test file and a custom preCheck; tests run.
{
  lib,
  buildPythonPackage,
  fetchFromGitHub,
  setuptools,
}:

buildPythonPackage rec {
  pname = "multidict";
  version = "6.4.4";
  pyproject = true;

  src = fetchFromGitHub {
    owner = "aio-libs";
    repo = "multidict";
    tag = "v${version}";
    hash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  };

  postPatch = ''
    substituteInPlace tests/test_circular_imports.py \
      --replace-fail '"-I",' ""
  '';

  build-system = [ setuptools ];

  nativeCheckInputs = [ setuptools ];

  preCheck = ''
    # import from $out
    rm -r multidict
  '';

  meta.license = lib.licenses.asl20;
}

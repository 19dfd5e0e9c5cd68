# lock2nix: index of a nixpkgs Python package set.
#
# Evaluates `pkgs.${python}.pkgs` (e.g. python313Packages) and returns
#   { meta = { python; nixpkgs; nixpkgsVersion; };
#     packages = { <attr> = { pname; version; broken; disabled; failed; note; features; family; }; ... }; }
# `features` are what the evaluated derivation shows of its recipe (null = could not be seen):
#   srcFetcher (from the src derivation's attributes), rustVendor (cargoDeps, cargo/maturin hooks),
#   patches, sourceRoot, substitutions (in-place edits in the patch/configure/build phases),
#   customCheck, runsTests, evalAssert (the derivation's attributes throw once its version is
#   changed: a probe with the major version lowered by one, or raised from 0), format, and the
#   pnames of nativeBuildInputs/buildInputs that are not Python modules, the interpreter or the
#   Python builder's hooks.
# `family` is the raw material from which lock2nix finds families (attributes sharing one src):
#   drvName, srcOutPath, children ({ name; drv; } for each Python module in passthru: the
#   attribute and the derivation's name), deps (names of Python modules in propagatedBuildInputs
#   and dependencies), sourceRoot.
# - nixpkgs: a path (or path string), `<nixpkgs>`, or a flake (`builtins.getFlake "..."`, anything with outPath)
# - python: the interpreter attribute, e.g. "python313"
# - probeAsserts: see `features` below (default true)
# - checkOutPath: when a package has no `disabled` attribute (older nixpkgs), force its outPath to see
#   whether it throws (slow on a full nixpkgs: it instantiates every derivation)
# Aliases are switched off (config.allowAliases = false), so renamed/removed attributes that throw are not
# listed. Attributes that are not Python modules (functions, `pkgs`, the interpreter, hooks) are skipped.
# An attribute whose evaluation throws is recorded with failed = true and a note, never fatal.
# Only `throw` and `assert` failures can be caught (builtins.tryEval); other evaluation errors abort.
{
  nixpkgs ? <nixpkgs>,
  python ? "python313",
  checkOutPath ? false,
  # probe for evaluation-time asserts (see `probeAssert`); false leaves evalAssert null
  probeAsserts ? true,
}:
let
  src = if builtins.isAttrs nixpkgs then nixpkgs.outPath else nixpkgs;
  pkgs = import src {
    config = {
      allowAliases = false;
      allowBroken = true;
      allowUnfree = true;
      allowUnsupportedSystem = true;
      allowInsecurePredicate = _: true;
    };
    overlays = [ ];
  };
  try = default: v:
    let
      r = builtins.tryEval (builtins.deepSeq v v);
    in
    if r.success then r.value else default;
  interp = pkgs.${python};
  set = if interp ? pkgs then interp.pkgs else pkgs."${python}Packages";
  strOrNull = v: if builtins.isString v then v else null;
  boolOrNull = v: if builtins.isBool v then v else null;
  isPythonModule = v: (v.type or null) == "derivation" && (v.pythonModule or false) != false;
  isDrv = x: builtins.isAttrs x && (x.type or null) == "derivation";
  nameOf = x: if x ? pname && builtins.isString x.pname then x.pname else (builtins.parseDrvName (x.name or "")).name;
  stripSh =
    n:
    let
      l = builtins.stringLength n;
    in
    if l > 3 && builtins.substring (l - 3) 3 n == ".sh" then builtins.substring 0 (l - 3) n else n;
  # buildPythonPackage's own hooks (never carried over to a fresh derivation)
  builderHooks = [
    "python-imports-check-hook" "python-relax-deps-hook" "python-remove-deps-hook" "pytest-check-hook"
    "unittest-check-hook" "python-namespaces-hook" "python-catch-conflicts-hook"
    "python-remove-bin-bytecode-hook" "python-remove-tests-dir-hook" "python-output-dist-hook"
    "python-output-test-src-hook" "python-runtime-deps-check-hook" "pypa-build-hook" "pypa-install-hook"
    "setuptools-build-hook" "setuptools-check-hook" "wheel-unpack-hook" "egg-unpack-hook" "egg-build-hook"
    "egg-install-hook" "wrap-python-hook" "ensure-newer-sources-for-zip-files-hook" "sphinx-hook"
  ];
  isInterpreter = x: x ? pythonVersion && x ? executable;
  inputNames =
    xs:
    if !builtins.isList xs then
      null
    else
      builtins.sort builtins.lessThan (
        map nameOf (
          builtins.filter (
            x: isDrv x && !(x ? pythonModule) && !(isInterpreter x) && !(builtins.elem (stripSh (nameOf x)) builderHooks)
          ) xs
        )
      );
  hookNames = xs: if builtins.isList xs then map (x: stripSh (nameOf x)) (builtins.filter isDrv xs) else [ ];
  urlsOf =
    src:
    builtins.concatStringsSep " " (
      builtins.filter builtins.isString (
        (if builtins.isList (src.urls or null) then src.urls else [ ])
        ++ [ (src.url or null) (src.gitRepoUrl or null) (src.meta.homepage or null) ]
      )
    );
  fetcherOf =
    src:
    if builtins.isPath src || builtins.isString src then
      "path"
    else if !builtins.isAttrs src then
      null
    else if src ? owner && src ? repo then
      (if builtins.match ".*gitlab.*" (urlsOf src) != null then "fetchFromGitLab" else "fetchFromGitHub")
    else if builtins.match ".*(mirror://pypi/|pythonhosted[.]org|pypi[.]io/|pypi[.]org/).*" (urlsOf src) != null then
      "fetchPypi"
    else if src ? rev && src ? url then
      "fetchgit"
    else if src ? urls || src ? url then
      "fetchurl"
    else
      null;
  # in-place edits; `sed` with -i/--in-place anywhere on its line
  editCommands = "substituteInPlace|substitute |perl -pi|sed [^\n]*(-i|--in-place)";
  hasEdit = s: builtins.isString s && builtins.length (builtins.split editCommands s) > 1;
  editPhases = [ "postPatch" "prePatch" "patchPhase" "postUnpack" "preConfigure" "preBuild" ];
  checkPhases = [ "checkPhase" "installCheckPhase" "preCheck" "preInstallCheck" ];
  formatOf =
    v:
    let
      f = v.format or null;
      p = v.pyproject or null;
      hooks = hookNames (v.nativeBuildInputs or [ ]);
    in
    if builtins.isString f then
      (if f == "pyproject" || f == "flit" then "pyproject" else if f == "setuptools" || f == "wheel" then f else "other")
    else if p == true then
      "pyproject"
    else if p == false then
      "other"
    else if builtins.elem "wheel-unpack-hook" hooks then
      "wheel"
    else if builtins.elem "setuptools-build-hook" hooks then
      "setuptools"
    else if builtins.elem "pypa-build-hook" hooks then
      "pyproject"
    else
      "other";
  # A version of the same shape with another major version (lower by one; 0 becomes 1).
  probeVersion =
    version:
    let
      m = builtins.match "(0|[1-9][0-9]{0,8})([^0-9].*)?" version;
      major = builtins.fromJSON (builtins.head m);
      rest = builtins.elemAt m 1;
    in
    if !builtins.isString version || m == null then
      null
    else
      "${toString (if major == 0 then 1 else major - 1)}${if rest == null then "" else rest}";
  # Whether the derivation's attributes (all but the sources, forced one level deep) throw once
  # its version is the probe version.
  probeAssert =
    v:
    let
      probe = probeVersion (v.version or null);
      p = v.overridePythonAttrs (_: { version = probe; });
      attrs = p.drvAttrs or { };
      names = builtins.filter (n: !(builtins.elem n [ "src" "srcs" "cargoDeps" ])) (builtins.attrNames attrs);
      r = builtins.tryEval (builtins.all (n: builtins.seq attrs.${n} true) names);
    in
    if !probeAsserts || probe == null || !(v ? overridePythonAttrs) then null else !r.success;
  features =
    v:
    let
      nbi = v.nativeBuildInputs or [ ];
      hooks = hookNames nbi;
      customCheck = builtins.any (n: v ? ${n}) checkPhases;
      checkInputs = (v.nativeInstallCheckInputs or [ ]) ++ (v.installCheckInputs or [ ]) ++ (v.nativeCheckInputs or [ ]) ++ (v.checkInputs or [ ]);
      doesCheck = if v ? doInstallCheck then v.doInstallCheck else v.doCheck or true;
      src = v.src or null;
    in
    {
      srcFetcher = try null (fetcherOf src);
      rustVendor = try null (
        v ? cargoDeps || v ? cargoVendorDir
        || builtins.any (h: builtins.elem h [ "cargo-setup-hook" "cargoSetupHook" "maturin-build-hook" "maturinBuildHook" ]) hooks
      );
      patches = try null (let p = v.patches or [ ]; in if builtins.isList p then p != [ ] else null);
      sourceRoot = try null (v ? sourceRoot);
      substitutions = try null (builtins.any (n: hasEdit (v.${n} or null)) editPhases);
      customCheck = try null customCheck;
      runsTests = try null (doesCheck == true && (checkInputs != [ ] || customCheck));
      evalAssert = try null (probeAssert v);
      format = try null (formatOf v);
      nativeBuildInputs = try null (inputNames nbi);
      buildInputs = try null (inputNames (v.buildInputs or [ ]));
    };
  pythonNames = xs: if builtins.isList xs then map (x: x.name) (builtins.filter (x: isDrv x && x ? pythonModule) xs) else [ ];
  familyOf =
    v:
    let
      src = v.src or null;
      passthru = v.passthru or { };
    in
    {
      drvName = try null (strOrNull v.name);
      srcOutPath = try null (if builtins.isAttrs src && src ? outPath then toString src.outPath else null);
      children = try [ ] (
        builtins.concatMap (
          n:
          let
            c = builtins.tryEval passthru.${n};
          in
          if c.success && isDrv c.value && c.value ? pythonModule then [ { name = n; drv = c.value.name; } ] else [ ]
        ) (builtins.attrNames passthru)
      );
      deps = try [ ] (pythonNames ((v.propagatedBuildInputs or [ ]) ++ (v.dependencies or [ ])));
      sourceRoot = try false (v ? sourceRoot);
    };
  describe =
    name:
    let
      v = set.${name};
      kind = builtins.tryEval (isPythonModule v);
    in
    if !kind.success then
      {
        pname = null;
        version = null;
        broken = null;
        disabled = null;
        failed = true;
        note = "evaluation failed (throw or assert)";
      }
    else if !kind.value then
      null
    else
      let
        parsed = try null (builtins.parseDrvName v.name);
        pname = try null (strOrNull (v.pname or parsed.name));
        version = try null (strOrNull (v.version or parsed.version));
        broken = try null (boolOrNull (v.meta.broken or false));
        hasDisabled = try false (v ? disabled);
        disabledAttr = try null (boolOrNull v.disabled);
        outOk = (builtins.tryEval (builtins.seq v.outPath true)).success;
        disabled =
          if hasDisabled then disabledAttr
          else if checkOutPath then !outOk
          else null;
        notes =
          builtins.filter (x: x != null) [
            (if pname == null then "pname could not be evaluated" else null)
            (if version == null then "version could not be evaluated" else null)
            (if !hasDisabled && checkOutPath && !outOk then "outPath throws (disabled for this interpreter, or another evaluation error)" else null)
          ];
      in
      {
        inherit pname version broken disabled;
        failed = false;
        note = if notes == [ ] then null else builtins.concatStringsSep "; " notes;
        features = features v;
        family = familyOf v;
      };
  described = map (name: {
    inherit name;
    value = describe name;
  }) (builtins.attrNames set);
in
{
  meta = {
    python = try null (strOrNull interp.pythonVersion);
    nixpkgs = try null (
      if builtins.isAttrs nixpkgs && nixpkgs ? rev then nixpkgs.rev
      else if builtins.isAttrs nixpkgs && nixpkgs ? dirtyRev then nixpkgs.dirtyRev
      else if pkgs.lib ? trivial && pkgs.lib.trivial ? revisionWithDefault then pkgs.lib.trivial.revisionWithDefault null
      else null
    );
    nixpkgsVersion = try null (strOrNull (pkgs.lib.version or null));
  };
  packages = builtins.listToAttrs (builtins.filter (x: x.value != null) described);
}

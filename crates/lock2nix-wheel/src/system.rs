//! The four Nix systems lock2nix targets and the PEP 508 marker values they imply.

use std::fmt;
use std::str::FromStr;

/// A CPU architecture of a supported Nix system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Arch {
    /// 64-bit x86 (`x86_64`).
    X86_64,
    /// 64-bit ARM (`aarch64` in Nix and on Linux, `arm64` on macOS).
    Aarch64,
}

impl Arch {
    /// The Nix spelling: `x86_64` or `aarch64`.
    pub fn as_str(self) -> &'static str {
        match self {
            Arch::X86_64 => "x86_64",
            Arch::Aarch64 => "aarch64",
        }
    }
}

impl fmt::Display for Arch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One of the four Nix systems lock2nix generates an overlay for.
///
/// `Display`/`FromStr` use the Nix spelling (`x86_64-linux`, …). The derived
/// `Ord` follows [`System::ALL`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum System {
    /// `x86_64-linux`
    X86_64Linux,
    /// `aarch64-linux`
    Aarch64Linux,
    /// `x86_64-darwin`
    X86_64Darwin,
    /// `aarch64-darwin`
    Aarch64Darwin,
}

/// Error returned by [`System::from_str`] for a string that is not one of the four systems.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown Nix system {0:?}: expected one of x86_64-linux, aarch64-linux, x86_64-darwin, aarch64-darwin"
)]
pub struct UnknownSystemError(pub String);

impl System {
    /// All supported systems, in the canonical order
    /// `x86_64-linux`, `aarch64-linux`, `x86_64-darwin`, `aarch64-darwin`.
    pub const ALL: [System; 4] = [
        System::X86_64Linux,
        System::Aarch64Linux,
        System::X86_64Darwin,
        System::Aarch64Darwin,
    ];

    /// The Nix system string, e.g. `"aarch64-darwin"`.
    pub fn as_str(self) -> &'static str {
        match self {
            System::X86_64Linux => "x86_64-linux",
            System::Aarch64Linux => "aarch64-linux",
            System::X86_64Darwin => "x86_64-darwin",
            System::Aarch64Darwin => "aarch64-darwin",
        }
    }

    /// `true` for the two Linux systems.
    pub fn is_linux(self) -> bool {
        matches!(self, System::X86_64Linux | System::Aarch64Linux)
    }

    /// `true` for the two macOS systems.
    pub fn is_darwin(self) -> bool {
        matches!(self, System::X86_64Darwin | System::Aarch64Darwin)
    }

    /// The CPU architecture.
    pub fn arch(self) -> Arch {
        match self {
            System::X86_64Linux | System::X86_64Darwin => Arch::X86_64,
            System::Aarch64Linux | System::Aarch64Darwin => Arch::Aarch64,
        }
    }

    /// PEP 508 `sys_platform`: `linux` or `darwin`.
    pub fn sys_platform(self) -> &'static str {
        if self.is_linux() {
            "linux"
        } else {
            "darwin"
        }
    }

    /// PEP 508 `platform_system`: `Linux` or `Darwin`.
    pub fn platform_system(self) -> &'static str {
        if self.is_linux() {
            "Linux"
        } else {
            "Darwin"
        }
    }

    /// PEP 508 `platform_machine` as `platform.machine()` reports it:
    /// `x86_64`/`aarch64` on Linux, `x86_64`/`arm64` on macOS.
    pub fn platform_machine(self) -> &'static str {
        match self {
            System::X86_64Linux | System::X86_64Darwin => "x86_64",
            System::Aarch64Linux => "aarch64",
            System::Aarch64Darwin => "arm64",
        }
    }

    /// PEP 508 `os_name`: always `posix`.
    pub fn os_name(self) -> &'static str {
        "posix"
    }

    /// The architecture as it appears in wheel platform tags: `x86_64`/`aarch64` on
    /// Linux (`manylinux_2_17_aarch64`), `x86_64`/`arm64` on macOS (`macosx_11_0_arm64`).
    pub fn wheel_arch(self) -> &'static str {
        self.platform_machine()
    }
}

impl fmt::Display for System {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for System {
    type Err = UnknownSystemError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        System::ALL
            .into_iter()
            .find(|sys| sys.as_str() == s)
            .ok_or_else(|| UnknownSystemError(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_markers() {
        let expected = [
            ("x86_64-linux", "linux", "Linux", "x86_64", "x86_64"),
            ("aarch64-linux", "linux", "Linux", "aarch64", "aarch64"),
            ("x86_64-darwin", "darwin", "Darwin", "x86_64", "x86_64"),
            ("aarch64-darwin", "darwin", "Darwin", "arm64", "aarch64"),
        ];
        for (sys, (s, plat, system, machine, arch)) in System::ALL.iter().zip(expected) {
            assert_eq!(sys.to_string(), s);
            assert_eq!(s.parse::<System>().unwrap(), *sys);
            assert_eq!(sys.sys_platform(), plat);
            assert_eq!(sys.platform_system(), system);
            assert_eq!(sys.platform_machine(), machine);
            assert_eq!(sys.arch().as_str(), arch);
            assert_eq!(sys.os_name(), "posix");
            assert_eq!(sys.is_linux(), plat == "linux");
            assert_eq!(sys.is_darwin(), plat == "darwin");
        }
    }

    #[test]
    fn rejects_other_systems() {
        for bad in [
            "",
            "x86_64-windows",
            "i686-linux",
            "X86_64-linux",
            "x86_64-linux ",
        ] {
            let err = bad.parse::<System>().unwrap_err();
            assert_eq!(err.0, bad);
            assert!(err.to_string().contains("expected one of"));
        }
    }
}

// The portal and its lab run on Linux (ptys, /bin/sh, Debian's services).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

using System.Runtime.InteropServices;

namespace Portal.Hardware.Containers;

/// <summary>Who owns a device node on this host; .NET reads a file's mode but not its group, so this asks the kernel.</summary>
internal static class DeviceNode
{
    private const int AtCurrentDirectory = -100;
    private const uint StatxGid = 0x10;

    /// <summary>The group id of the file, or null when the kernel cannot tell (no such file, no <c>statx</c>).</summary>
    public static int? GroupOf(string path)
    {
        // struct statx is the same on every architecture: stx_gid is the native-endian u32 at byte 24 of its 256 bytes.
        var buffer = new byte[256];
        try
        {
            return Statx(AtCurrentDirectory, path, 0, StatxGid, buffer) == 0
                ? (int)MemoryMarshal.Read<uint>(buffer.AsSpan(24, 4))
                : null;
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            return null;
        }
    }

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int Statx(int directory, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, [Out] byte[] buffer);
}

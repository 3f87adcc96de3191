namespace Portal.Tests.Support;

public static class QemuPortal
{
    /// <summary>The shipped lab, started, with qemu-01 booting the test image and qemu-02 pointing at a kernel that is not there.</summary>
    public static async Task<PortalFactory> StartAsync(string? qemuStateDirectory = null)
    {
        var image = await QemuImage.GetAsync();
        var portal = new PortalFactory()
            .WithSetting("Lab:Boards:4:Power:Kernel", image.Kernel)
            .WithSetting("Lab:Boards:4:Power:Initrd", image.Initrd)
            .WithSetting("Lab:Boards:5:Power:Kernel", "/nonexistent/vmlinuz")
            .WithSetting("Lab:Boards:5:Power:Initrd", null);
        if (qemuStateDirectory is not null)
        {
            portal.WithSetting("Lab:Qemu:StateDirectory", qemuStateDirectory);
        }

        _ = portal.Server;
        return portal;
    }
}

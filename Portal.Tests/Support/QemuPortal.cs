namespace Portal.Tests.Support;

public static class QemuPortal
{
    /// <summary>The shipped lab, started, with qemu-01 booting the test image and qemu-02 pointing at a kernel that is not there.</summary>
    public static async Task<PortalFactory> StartAsync(string? qemuStateDirectory = null)
    {
        var portal = await ConfigureAsync(new PortalFactory());
        if (qemuStateDirectory is not null)
        {
            portal.WithSetting("Lab:Qemu:StateDirectory", qemuStateDirectory);
        }

        _ = portal.Server;
        return portal;
    }

    /// <summary>Points the shipped lab's qemu-01 at the test image and qemu-02 at a kernel that is not there.</summary>
    public static async Task<PortalFactory> ConfigureAsync(PortalFactory portal)
    {
        var image = await QemuImage.GetAsync();
        // Each portal its own forwarded ssh ports: tests run side by side.
        return portal
            .WithSetting("Lab:Boards:4:Power:SshPort", LoopbackPorts.FreeTcp().ToString(System.Globalization.CultureInfo.InvariantCulture))
            .WithSetting("Lab:Boards:5:Power:SshPort", LoopbackPorts.FreeTcp().ToString(System.Globalization.CultureInfo.InvariantCulture))
            .WithSetting("Lab:Boards:4:Power:Kernel", image.Kernel)
            .WithSetting("Lab:Boards:4:Power:Initrd", image.Initrd)
            .WithSetting("Lab:Boards:5:Power:Kernel", "/nonexistent/vmlinuz")
            .WithSetting("Lab:Boards:5:Power:Initrd", null);
    }
}

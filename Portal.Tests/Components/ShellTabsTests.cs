using Portal.Components.Pages.Boards;

namespace Portal.Tests.Components;

public sealed class ShellTabsTests
{
    [Fact]
    public void TabsAreTitledByKindAndNumberedInTheOrderTheyWereOpened()
    {
        var tabs = new ShellTabs();

        tabs.Open(ShellKind.Ssh, null);
        tabs.Open(ShellKind.Sandbox, 7);
        tabs.Open(ShellKind.Ssh, null);

        Assert.Equal(["SSH", "Sandbox", "SSH 2"], tabs.Select(t => t.Title));
        Assert.Equal(7, tabs.Find("Sandbox")!.SandboxId);
    }

    [Fact]
    public void AClosedTabIsGoneAndItsTitleIsNotReused()
    {
        var tabs = new ShellTabs();
        var first = tabs.Open(ShellKind.Ssh, null);

        tabs.Close(first);
        var next = tabs.Open(ShellKind.Ssh, null);

        Assert.Null(tabs.Find("SSH"));
        Assert.Equal("SSH 2", next.Title);
        Assert.Equal([next], tabs);
    }

    [Fact]
    public void TheSerialTabIsNoShellTab() => Assert.Null(new ShellTabs().Find("serial"));
}

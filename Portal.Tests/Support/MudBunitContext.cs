using Bunit;
using MudBlazor.Services;

namespace Portal.Tests.Support;

/// <summary>bUnit with MudBlazor's services and loose JS interop; disposed asynchronously, as MudBlazor's services require.</summary>
public abstract class MudBunitContext : BunitContext, IAsyncLifetime
{
    protected MudBunitContext()
    {
        Services.AddMudServices();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    Task IAsyncLifetime.InitializeAsync() => Task.CompletedTask;

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();
}

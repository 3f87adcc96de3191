using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using Portal.Events;

namespace Portal.Tests.Support;

/// <summary>
/// bUnit with MudBlazor's services, the pacing of live pages' reloads (over the <see cref="LabEvents"/> a test registers)
/// and loose JS interop; disposed asynchronously, as MudBlazor's services require.
/// </summary>
public abstract class MudBunitContext : BunitContext, IAsyncLifetime
{
    protected MudBunitContext()
    {
        // A live page reloads at most once per LabLiveComponent.ReloadInterval (a second): a change right after another
        // shows up to a second later, later still on a machine the rest of the suite keeps busy. bUnit waits 1 s unless told.
        DefaultWaitTimeout = TimeSpan.FromSeconds(5);
        Services.AddMudServices();
        Services.AddSingleton<PageReloads>();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    Task IAsyncLifetime.InitializeAsync() => Task.CompletedTask;

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();
}

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
        Services.AddMudServices();
        Services.AddSingleton<PageReloads>();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    Task IAsyncLifetime.InitializeAsync() => Task.CompletedTask;

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();
}

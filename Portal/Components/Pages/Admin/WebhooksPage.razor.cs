using Microsoft.AspNetCore.Components;
using MudBlazor;
using Portal.Components.Shared;
using Portal.Data;
using Portal.Webhooks;

namespace Portal.Components.Pages.Admin;

/// <summary>Admins add, switch off, ping and remove webhooks, and read the delivery log.</summary>
public partial class WebhooksPage
{
    private static readonly WebhookEvents[] Events = [WebhookEvents.QueueGranted, WebhookEvents.LeaseEnding, WebhookEvents.SandboxFailed, WebhookEvents.BoardHealthChanged];

    private IReadOnlyList<WebhookView> _webhooks = [];
    private IReadOnlyList<WebhookDeliveryView> _deliveries = [];
    private string _url = "";
    private string _secret = "";
    private WebhookEvents _events = WebhookEvents.None;
    private string? _error;

    [Inject]
    private WebhookService Webhooks { get; set; } = default!;

    [Inject]
    private ReservationCommands Commands { get; set; } = default!;

    [Inject]
    private ISnackbar Snackbar { get; set; } = default!;

    protected override Task OnInitializedAsync() => LoadAsync();

    private static string Describe(WebhookEvents single) => single switch
    {
        WebhookEvents.QueueGranted => "A queued request is granted (queue.granted)",
        WebhookEvents.LeaseEnding => "A lease ends in 10 minutes (lease.ending)",
        WebhookEvents.SandboxFailed => "A sandbox failed (sandbox.failed)",
        WebhookEvents.BoardHealthChanged => "A board's health changes (board.health)",
        _ => single.ToString(),
    };

    private static Color StateColor(WebhookDeliveryState state) => state switch
    {
        WebhookDeliveryState.Delivered => Color.Success,
        WebhookDeliveryState.Failed => Color.Error,
        _ => Color.Warning,
    };

    private void Toggle(WebhookEvents single, bool on) => _events = on ? _events | single : _events & ~single;

    private async Task LoadAsync()
    {
        _webhooks = await Webhooks.ListAsync(CancellationToken.None);
        _deliveries = await Webhooks.DeliveriesAsync(100, CancellationToken.None);
    }

    private async Task AddAsync()
    {
        _error = await Webhooks.AddAsync(await Commands.ActorAsync(), _url, _secret, _events, CancellationToken.None);
        if (_error is null)
        {
            Snackbar.Add($"Webhook {_url.Trim()} added.", Severity.Success);
            (_url, _secret, _events) = ("", "", WebhookEvents.None);
            await LoadAsync();
        }
    }

    private async Task SetEnabledAsync(WebhookView webhook, bool enabled) =>
        await ReportAsync(Webhooks.SetEnabledAsync(await Commands.ActorAsync(), webhook.Id, enabled, CancellationToken.None), enabled ? "Webhook enabled." : "Webhook disabled.");

    private async Task PingAsync(WebhookView webhook) =>
        await ReportAsync(Webhooks.PingAsync(await Commands.ActorAsync(), webhook.Id, CancellationToken.None), $"Ping queued for {webhook.Url}.");

    private async Task RemoveAsync(WebhookView webhook) =>
        await ReportAsync(Webhooks.RemoveAsync(await Commands.ActorAsync(), webhook.Id, CancellationToken.None), $"Webhook {webhook.Url} removed.");

    private async Task ReportAsync(Task<string?> change, string success)
    {
        var error = await change;
        Snackbar.Add(error ?? success, error is null ? Severity.Success : Severity.Error);
        await LoadAsync();
    }
}

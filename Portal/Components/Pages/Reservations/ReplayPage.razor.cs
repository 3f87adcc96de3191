using System.Globalization;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using MudBlazor;
using Portal.Components.Shared;
using Portal.Consoles;
using Portal.Reservations;

namespace Portal.Components.Pages.Reservations;

/// <summary>
/// Plays a reservation's console recording (its asciinema v2 file) in xterm.js at 1×, 4× or 16×, with a seek bar.
/// Who may see it is the recorder's rule, the same as for the downloads; the browser fetches the recording from the
/// download address, so it never passes through the circuit, and plays it there.
/// </summary>
public partial class ReplayPage : IAsyncDisposable
{
    private static readonly int[] Speeds = [1, 4, 16];

    private ElementReference _element;
    private IJSObjectReference? _module;
    private IJSObjectReference? _handle;
    private DotNetObjectReference<ReplayPage>? _self;
    private ReservationView? _reservation;
    private PlayerInfo? _player;
    private bool _loaded;
    private bool _playerStarted;
    private bool _playing;
    private int _speed = 1;
    private double _position;
    private string? _error;

    /// <summary>What the browser found in the recording.</summary>
    public sealed record PlayerInfo(double Duration, int Events);

    [Inject]
    private ConsoleRecorder Recorder { get; set; } = default!;

    [Inject]
    private ReservationCommands Commands { get; set; } = default!;

    [Inject]
    private IJSRuntime JS { get; set; } = default!;

    [Parameter]
    public int Id { get; set; }

    protected override async Task OnInitializedAsync()
    {
        _reservation = await Recorder.ReadableAsync(await Commands.ActorAsync(), Id, CancellationToken.None);
        _loaded = true;
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (_reservation is null || _playerStarted)
        {
            return;
        }

        _playerStarted = true;

        _self = DotNetObjectReference.Create(this);
        _module = await JS.InvokeAsync<IJSObjectReference>("import", "./Components/Pages/Reservations/ReplayPage.razor.js");
        try
        {
            _handle = await _module.InvokeAsync<IJSObjectReference>("load", _element, $"reservations/{Id}/console.cast", _self);
            _player = await _module.InvokeAsync<PlayerInfo>("info", _handle);
        }
        catch (JSException ex)
        {
            _error = $"The recording could not be played: {ex.Message}";
        }

        StateHasChanged();
    }

    /// <summary>Where the player is, a few times a second while it plays.</summary>
    [JSInvokable]
    public void Progress(double position, bool playing)
    {
        _position = position;
        _playing = playing;
        StateHasChanged();
    }

    private async Task TogglePlayingAsync()
    {
        if (_handle is null)
        {
            return;
        }

        _playing = !_playing;
        await _module!.InvokeVoidAsync(_playing ? "play" : "pause", _handle);
    }

    private async Task SetSpeedAsync(int speed)
    {
        _speed = speed;
        if (_handle is not null)
        {
            await _module!.InvokeVoidAsync("setSpeed", _handle, speed);
        }
    }

    private async Task SeekAsync(double position)
    {
        _position = position;
        if (_handle is not null)
        {
            await _module!.InvokeVoidAsync("seek", _handle, position);
        }
    }

    private const double SeekStep = 0.1;

    // A whole number of steps, so the slider's end reaches the last event.
    private double SeekBarEnd => Math.Max(1, Math.Ceiling((_player?.Duration ?? 0) / SeekStep)) * SeekStep;

    private static string Clock(double seconds)
    {
        var time = TimeSpan.FromSeconds(Math.Floor(seconds));
        return time.TotalHours >= 1
            ? time.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture)
            : time.ToString(@"m\:ss", CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_handle is not null)
            {
                await _module!.InvokeVoidAsync("dispose", _handle);
                await _handle.DisposeAsync();
            }

            if (_module is not null)
            {
                await _module.DisposeAsync();
            }
        }
        catch (JSDisconnectedException)
        {
            // The tab is gone; so is the player.
        }

        _self?.Dispose();
    }
}

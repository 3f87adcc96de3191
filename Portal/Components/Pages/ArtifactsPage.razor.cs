using Microsoft.AspNetCore.Components.Forms;
using MudBlazor;
using Portal.Artifacts;
using Portal.Identity;

namespace Portal.Components.Pages;

public sealed partial class ArtifactsPage
{
    private IReadOnlyList<ArtifactView> _artifacts = [];
    private Actor _viewer = default!;
    private long _used;
    private string? _name;
    private string? _tags;
    private bool _uploading;
    private double _progress;
    private string? _status;
    private string? _error;

    protected override async Task OnInitializedAsync()
    {
        _viewer = await Commands.ActorAsync();
        await LoadAsync();
    }

    private async Task LoadAsync()
    {
        _artifacts = await Store.ListAsync(CancellationToken.None);
        _used = await Store.UsedBytesAsync(_viewer.UserId, CancellationToken.None);
    }

    // The browser sends the file in chunks over the circuit; the store writes each to disk as it comes.
    private async Task UploadAsync(IBrowserFile? file)
    {
        if (file is null)
        {
            return;
        }

        var name = string.IsNullOrWhiteSpace(_name) ? file.Name : _name.Trim();
        (_uploading, _error, _progress, _status) = (true, null, 0, $"Uploading {file.Name}…");
        StateHasChanged();
        var lastDrawn = DateTime.MinValue;

        // Called by the store between chunks, on this circuit's context: the bar is redrawn at most five times a second.
        void Progress(long sent)
        {
            _progress = file.Size == 0 ? 100 : 100.0 * sent / file.Size;
            _status = $"Uploading {file.Name}: {Megabytes(sent)} of {Megabytes(file.Size)}";
            if (DateTime.UtcNow - lastDrawn > TimeSpan.FromMilliseconds(200))
            {
                lastDrawn = DateTime.UtcNow;
                StateHasChanged();
            }
        }

        try
        {
            await using var stream = file.OpenReadStream(Store.QuotaBytes + 1);
            var tags = _tags?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
            var upload = await Store.AddAsync(_viewer, name, tags, stream, file.Size, Progress, CancellationToken.None);
            if (upload.Error is { } error)
            {
                _error = error.Message;
            }
            else
            {
                Snackbar.Add($"{name} stored as {upload.Artifact!.Digest[..19]}…{(upload.Deduplicated ? " (already stored)" : "")}", Severity.Success);
            }
        }
        catch (IOException ex)
        {
            _error = $"The upload of {file.Name} broke off: {ex.Message}";
        }
        finally
        {
            _uploading = false;
        }

        await LoadAsync();
    }

    private async Task DeleteAsync(ArtifactView artifact)
    {
        if (await Store.DeleteAsync(_viewer, artifact.Id, CancellationToken.None) is { } error)
        {
            Snackbar.Add(error.Message, Severity.Error);
        }

        await LoadAsync();
    }

    private static string Megabytes(long bytes) => $"{bytes / (1024.0 * 1024):0.0} MB";
}

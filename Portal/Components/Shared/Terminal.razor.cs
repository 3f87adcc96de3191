using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.JSInterop;
using MudBlazor;

namespace Portal.Components.Shared;

/// <summary>
/// One xterm.js terminal and its tools. The tools act in the browser only (search, font size and renderer kept in the
/// browser's local storage, scroll lock holding output in the tab unacknowledged), so they need no server state beyond
/// what is shown.
/// </summary>
public partial class Terminal
{
    private ElementReference _element;
    private IJSObjectReference? _module;
    private IJSObjectReference? _handle;
    private DotNetObjectReference<Terminal>? _self;
    private MudTextField<string>? _searchField;
    private bool _appliedReadOnly;
    private bool _ready;
    private bool _searching;
    private bool _focusSearch;
    private string _query = "";
    private (int Index, int Count)? _results;
    private bool _scrollLock;
    private int _fontSize = 14;
    private bool _webgl;

    [Inject]
    private IJSRuntime JS { get; set; } = default!;

    [Parameter]
    public bool ReadOnly { get; set; }

    /// <summary>Called once the terminal is on the page and can take output.</summary>
    [Parameter]
    public EventCallback OnReady { get; set; }

    /// <summary>What the person typed or pasted. Plain delegates, not EventCallbacks: a keystroke must not re-render the page.</summary>
    [Parameter]
    public Func<string, Task>? OnInput { get; set; }

    /// <summary>How many bytes of output the terminal has drawn.</summary>
    [Parameter]
    public Action<int>? OnAcknowledge { get; set; }

    [Parameter]
    public Func<int, int, Task>? OnResize { get; set; }

    private string SearchResultText => _results switch
    {
        _ when _query.Length == 0 => "",
        null or { Count: 0 } => "No match",
        { Index: < 0 } r => $"{r.Count}+ matches",
        { } r => $"{r.Index + 1} of {r.Count}",
    };

    public async Task WriteAsync(ReadOnlyMemory<byte> data)
    {
        if (_module is not null && _handle is not null)
        {
            await InvokeAsync(() => _module.InvokeVoidAsync("write", _handle, data.ToArray()).AsTask());
        }
    }

    /// <summary>Columns and rows the terminal shows now (its size after fitting the page).</summary>
    public async Task<(int Columns, int Rows)> SizeAsync()
    {
        if (_module is null || _handle is null)
        {
            return (80, 24);
        }

        var size = await _module.InvokeAsync<int[]>("size", _handle);
        return (size[0], size[1]);
    }

    public async Task FocusAsync()
    {
        if (_module is not null && _handle is not null)
        {
            await _module.InvokeVoidAsync("focus", _handle);
        }
    }

    [JSInvokable]
    public Task Input(string data) => OnInput?.Invoke(data) ?? Task.CompletedTask;

    [JSInvokable]
    public void Acknowledge(int bytes) => OnAcknowledge?.Invoke(bytes);

    [JSInvokable]
    public Task Resized(int columns, int rows) => OnResize?.Invoke(columns, rows) ?? Task.CompletedTask;

    /// <summary>Ctrl+Shift+F in the terminal, or the search button.</summary>
    [JSInvokable]
    public void OpenSearch()
    {
        _searching = true;
        _focusSearch = true;
        StateHasChanged();
    }

    private Task OpenSearchAsync()
    {
        OpenSearch();
        return Task.CompletedTask;
    }

    [JSInvokable]
    public void SearchResults(int index, int count)
    {
        _results = (index, count);
        StateHasChanged();
    }

    /// <summary>The Scroll Lock key in the terminal, or the button.</summary>
    [JSInvokable]
    public async Task ToggleScrollLock()
    {
        _scrollLock = !_scrollLock;
        if (_module is not null && _handle is not null)
        {
            await _module.InvokeVoidAsync("setScrollLock", _handle, _scrollLock);
        }

        StateHasChanged();
    }

    private async Task SearchAsync(string? query)
    {
        _query = query ?? "";
        _results = null;
        await FindAsync(backwards: false, incremental: true);
    }

    private async Task FindAsync(bool backwards, bool incremental = false)
    {
        if (_module is not null && _handle is not null)
        {
            await _module.InvokeVoidAsync("find", _handle, _query, backwards, incremental);
        }
    }

    private async Task SearchKeyAsync(KeyboardEventArgs key)
    {
        switch (key.Key)
        {
            case "Enter":
                await FindAsync(backwards: key.ShiftKey);
                break;
            case "Escape":
                await CloseSearchAsync();
                break;
        }
    }

    private async Task CloseSearchAsync()
    {
        _searching = false;
        _query = "";
        _results = null;
        if (_module is not null && _handle is not null)
        {
            await _module.InvokeVoidAsync("closeSearch", _handle);
        }
    }

    private async Task ToggleRendererAsync()
    {
        if (_module is not null && _handle is not null)
        {
            _webgl = await _module.InvokeAsync<string>("setRenderer", _handle, _webgl ? "dom" : "webgl") == "webgl";
        }
    }

    private async Task ChangeFontSizeAsync(int step)
    {
        if (_module is not null)
        {
            _fontSize = await _module.InvokeAsync<int>("setFontSize", _fontSize + step);
        }
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (firstRender)
        {
            _self = DotNetObjectReference.Create(this);
            _module = await JS.InvokeAsync<IJSObjectReference>("import", "./Components/Shared/Terminal.razor.js");
            _handle = await _module.InvokeAsync<IJSObjectReference>("create", _element, _self, ReadOnly);
            _fontSize = await _module.InvokeAsync<int>("storedFontSize");
            _webgl = await _module.InvokeAsync<string>("rendererOf", _handle) == "webgl";
            _appliedReadOnly = ReadOnly;
            await OnReady.InvokeAsync();
            _ready = true;
            StateHasChanged();
        }
        else if (_module is not null && _handle is not null && _appliedReadOnly != ReadOnly)
        {
            _appliedReadOnly = ReadOnly;
            await _module.InvokeVoidAsync("setReadOnly", _handle, ReadOnly);
        }

        if (_focusSearch && _searchField is not null)
        {
            _focusSearch = false;
            await _searchField.FocusAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_module is not null && _handle is not null)
            {
                await _module.InvokeVoidAsync("dispose", _handle);
                await _handle.DisposeAsync();
                await _module.DisposeAsync();
            }
        }
        catch (JSDisconnectedException)
        {
            // The tab is gone; so is the terminal.
        }

        _self?.Dispose();
    }
}

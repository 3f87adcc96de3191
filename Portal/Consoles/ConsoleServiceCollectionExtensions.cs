using Portal.Identity;
using Portal.Reservations;

namespace Portal.Consoles;

public static class ConsoleServiceCollectionExtensions
{
    /// <summary>The console broker, the recorder of each reservation's console, serial breaks, power control of boards, SSH terminals, and the console and tunnel WebSockets.</summary>
    public static IServiceCollection AddConsoles(this IServiceCollection services)
    {
        services.AddOptions<ConsoleOptions>().BindConfiguration(ConsoleOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ConsoleBroker>();
        services.AddSingleton<ConsoleRecorder>();
        services.AddHostedService(sp => sp.GetRequiredService<ConsoleRecorder>());
        services.AddLabEventHandler<ReservationChanged, ConsoleRecorder>(clusterWide: true);
        services.AddSingleton<PowerService>();
        services.AddSingleton<ConsoleAccess>();
        services.AddSingleton<SshTerminalService>();
        services.AddSingleton<ConsoleBreakService>();
        services.AddSingleton<ConsoleSocketSession>();
        services.AddSingleton<TunnelService>();
        return services;
    }

    /// <summary>
    /// GET /reservations/{id}/console.log and /console.cast: the recorded console of a reservation, as plain text and
    /// as an asciinema v2 recording, for its holder and admins (anyone else gets 404, as for a reservation that is not there).
    /// </summary>
    public static IEndpointRouteBuilder MapConsoleLogs(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/reservations/{id:int}/console.log", async (int id, Actor actor, ConsoleRecorder recorder, CancellationToken ct) =>
        {
            if (await recorder.ReadableAsync(actor, id, ct) is not { } reservation)
            {
                return Results.NotFound();
            }

            var path = recorder.LogPath(id);
            return File.Exists(path)
                ? Results.File(path, "text/plain; charset=utf-8", $"{reservation.Board}-reservation-{id}.log")
                : Results.Text("", "text/plain; charset=utf-8");
        }).RequireAuthorization();

        endpoints.MapGet("/reservations/{id:int}/console.cast", async (int id, Actor actor, ConsoleRecorder recorder, CancellationToken ct) =>
        {
            if (await recorder.ReadableAsync(actor, id, ct) is not { } reservation)
            {
                return Results.NotFound();
            }

            // A reservation whose board printed nothing (or has no console) has an empty recording: its header alone.
            var path = recorder.CastPath(id);
            return File.Exists(path)
                ? Results.File(path, AsciicastMediaType, $"{reservation.Board}-reservation-{id}.cast")
                : Results.Text(AsciicastWriter.EmptyRecording(reservation.GrantedAt), AsciicastMediaType);
        }).RequireAuthorization();
        return endpoints;
    }

    /// <summary>asciinema's own media type for .cast files.</summary>
    public const string AsciicastMediaType = "application/x-asciicast";
}

using System.Security.Claims;
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
        services.AddLabEventHandler<ReservationChanged, ConsoleRecorder>();
        services.AddSingleton<PowerService>();
        services.AddSingleton<ConsoleAccess>();
        services.AddSingleton<SshTerminalService>();
        services.AddSingleton<ConsoleBreakService>();
        services.AddSingleton<ConsoleSocketSession>();
        services.AddSingleton<TunnelService>();
        return services;
    }

    /// <summary>GET /reservations/{id}/console.log: the recorded console of a reservation, for its holder and admins.</summary>
    public static IEndpointRouteBuilder MapConsoleLogs(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/reservations/{id:int}/console.log", async (int id, ClaimsPrincipal user, ReservationService reservations, ConsoleRecorder recorder, CancellationToken ct) =>
        {
            var actor = user.ToActor();
            if (await reservations.GetAsync(id, ct) is not { } reservation || (reservation.UserId != actor.UserId && !actor.IsAdmin))
            {
                return Results.NotFound();
            }

            var path = recorder.LogPath(id);
            return File.Exists(path)
                ? Results.File(path, "text/plain; charset=utf-8", $"{reservation.Board}-reservation-{id}.log")
                : Results.Text("", "text/plain; charset=utf-8");
        }).RequireAuthorization();
        return endpoints;
    }
}

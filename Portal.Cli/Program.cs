using System.CommandLine;
using Portal.Cli;

var root = new RootCommand("The lab portal from a terminal. Configure with PORTAL_URL and PORTAL_TOKEN, or 'portal login URL'.");
root.Options.Add(Cli.Json);
foreach (var command in LabCommands.All().Append(ConsoleCommand.Create()).Concat(TunnelCommands.All()).Append(SandboxCommands.Create()).Concat(ArtifactCommands.All()))
{
    root.Subcommands.Add(command);
}

var parse = root.Parse(args);
if (parse.Errors.Count > 0)
{
    // One line: System.CommandLine lists allowed values on lines of their own.
    var message = string.Join(' ', parse.Errors[0].Message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
    return Cli.Fail(parse, ExitCodes.Usage, $"{message.TrimEnd('.')}; see 'portal --help'.");
}

return await parse.InvokeAsync();

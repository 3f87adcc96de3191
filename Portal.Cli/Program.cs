using System.CommandLine;
using Portal.Cli;

var root = new RootCommand("The lab portal from a terminal. Configure with PORTAL_URL and PORTAL_TOKEN, or 'portal login URL'.");
root.Options.Add(Cli.Json);
foreach (var command in LabCommands.All().Append(ConsoleCommand.Create()).Concat(TunnelCommands.All()).Append(SandboxCommands.Create()))
{
    root.Subcommands.Add(command);
}

var parse = root.Parse(args);
if (parse.Errors.Count > 0)
{
    return Cli.Fail(parse, ExitCodes.Usage, $"{parse.Errors[0].Message.TrimEnd('.')}; see 'portal --help'.");
}

return await parse.InvokeAsync();

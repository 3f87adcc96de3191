namespace Portal.Events;

/// <summary>Carries the events published here to the other portal instances sharing the database. Never waits.</summary>
public interface ILabEventRelay
{
    void Send(LabEvent labEvent);
}

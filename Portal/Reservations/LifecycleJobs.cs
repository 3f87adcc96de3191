using System.Threading.Channels;

namespace Portal.Reservations;

/// <summary>Background work a committed lifecycle change asks for.</summary>
public abstract record LifecycleJob;

/// <summary>Run the setup script of a preparing reservation.</summary>
public sealed record PrepareJob(int ReservationId, string Board) : LifecycleJob;

/// <summary>Run the teardown script of a releasing reservation, then free its board.</summary>
public sealed record TearDownJob(int ReservationId, string Board) : LifecycleJob;

/// <summary>Run the health check that holds the board with this reservation, then give the board back.</summary>
public sealed record HealthCheckJob(int ReservationId, string Board) : LifecycleJob;

/// <summary>Hand the class's free boards to its waiting requests.</summary>
public sealed record ServeQueueJob(int BoardClassId) : LifecycleJob;

/// <summary>
/// The jobs the lifecycle and the queue hand to <see cref="LifecycleWorker"/>, after their change has committed:
/// callers return at once, the scripts and queue serving run in the background. Also counts the jobs not yet done,
/// so a caller (shutdown, a test, a benchmark) can wait until everything asked for so far has happened.
/// </summary>
public sealed class LifecycleJobs
{
    private readonly Channel<LifecycleJob> _channel = Channel.CreateUnbounded<LifecycleJob>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock _gate = new();
    private int _pending;
    private TaskCompletionSource _idle = CompletedIdle();

    internal ChannelReader<LifecycleJob> Reader => _channel.Reader;

    public void Enqueue(LifecycleJob job)
    {
        lock (_gate)
        {
            if (_pending++ == 0)
            {
                _idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        _channel.Writer.TryWrite(job);
    }

    /// <summary>Completes once every job enqueued so far, and every job those enqueued, has finished.</summary>
    public Task WhenIdleAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return _idle.Task.WaitAsync(cancellationToken);
        }
    }

    internal void Done()
    {
        lock (_gate)
        {
            if (--_pending == 0)
            {
                _idle.TrySetResult();
            }
        }
    }

    private static TaskCompletionSource CompletedIdle()
    {
        var idle = new TaskCompletionSource();
        idle.SetResult();
        return idle;
    }
}

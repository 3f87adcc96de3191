namespace Portal.Tests.Support;

public static class Poll
{
    /// <summary>Asks again until the answer is as expected; the bound (20 s) only keeps a broken portal from hanging the test.</summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> ask, Func<T, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var answer = await ask();
            if (done(answer) || DateTime.UtcNow > deadline)
            {
                return answer;
            }

            await Task.Delay(100);
        }
    }
}

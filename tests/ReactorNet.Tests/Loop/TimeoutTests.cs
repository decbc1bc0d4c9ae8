using System.Diagnostics;
using ReactorNet.Tests.Support;

namespace ReactorNet.Tests.Loop;

/// <summary>
/// The timeout semantics (README, "Timeouts"): InfiniteTimeSpan, MaxValue and anything too large
/// mean never; other negative values throw where configured; due-time arithmetic saturates.
/// </summary>
public sealed class TimeoutTests
{
    public static TheoryData<string> NeverSpans => new() { "MaxValue", "Infinite", "300 years" };

    private static TimeSpan Span(string name) => name switch
    {
        "MaxValue" => TimeSpan.MaxValue,
        "Infinite" => Timeout.InfiniteTimeSpan,
        _ => TimeSpan.FromDays(300 * 365.25),
    };

    [Theory]
    [MemberData(nameof(NeverSpans))]
    public void A_timer_that_is_due_never_does_not_fire_while_a_later_short_timer_does(string never)
    {
        using var loop = new LoopHarness();
        int fired = 0;
        // From a foreign thread (the path that also computes the loop's sleep) and from the loop thread.
        ReactorTimer outside = loop.Reactor.Schedule(Span(never), () => Interlocked.Increment(ref fired));
        ReactorTimer inside = loop.Invoke(() => loop.Reactor.Schedule(Span(never), () => Interlocked.Increment(ref fired)));
        var later = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        loop.Reactor.Schedule(TimeSpan.FromMilliseconds(20), () => later.SetResult());
        LoopHarness.Wait(later.Task);
        loop.WaitRounds(3);
        Volatile.Read(ref fired).Should().Be(0);
        outside.IsActive.Should().BeTrue();
        inside.IsActive.Should().BeTrue();
        outside.Cancel();
        inside.Cancel();
        loop.Invoke(() => loop.Reactor.PendingTimerCount).Should().Be(0);
    }

    [Fact]
    public void An_infinite_period_makes_a_one_shot_timer()
    {
        using var loop = new LoopHarness();
        int calls = 0;
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        loop.Reactor.Schedule(TimeSpan.Zero, () =>
        {
            calls++;
            first.TrySetResult();
        }, period: Timeout.InfiniteTimeSpan);
        LoopHarness.Wait(first.Task);
        loop.WaitRounds(3);
        loop.Invoke(() => (calls, loop.Reactor.PendingTimerCount)).Should().Be((1, 0));
    }

    [Fact]
    public void A_negative_delay_or_period_other_than_infinite_is_rejected_before_anything_is_scheduled()
    {
        using var loop = new LoopHarness();
        var act1 = () => loop.Reactor.Schedule(TimeSpan.FromMilliseconds(-2), () => { });
        var act2 = () => loop.Reactor.Schedule(TimeSpan.Zero, () => { }, period: TimeSpan.FromTicks(-1));
        act1.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("dueTime");
        act2.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("period");
        loop.Invoke(() => loop.Reactor.PendingTimerCount).Should().Be(0);
    }

    [Fact]
    public void The_sleep_until_a_far_timer_saturates_instead_of_overflowing()
    {
        var queue = new TimerQueue();
        long now = Stopwatch.GetTimestamp();
        queue.Add(NewTimer(due: Timeouts.Never - 1));
        queue.MillisecondsUntilNext(now).Should().Be(int.MaxValue);
        queue.Add(NewTimer(due: now + Stopwatch.Frequency / 1000 * 1500)); // 1.5 s
        queue.MillisecondsUntilNext(now).Should().Be(1500);
    }

    [Fact]
    public void A_timer_that_never_falls_due_lets_the_loop_sleep_without_a_deadline()
    {
        var queue = new TimerQueue();
        queue.Add(NewTimer(due: Timeouts.Never));
        queue.MillisecondsUntilNext(Stopwatch.GetTimestamp()).Should().Be(-1);
    }

    [Fact]
    public void One_pass_never_runs_a_timer_twice_even_when_it_rearms_itself_for_the_same_instant()
    {
        var queue = new TimerQueue();
        long now = Stopwatch.GetTimestamp();
        int calls = 0;
        ReactorTimer? timer = null;
        timer = NewTimer(due: now, callback: _ =>
        {
            if (++calls < 1000) // bounded: the old code re-ran it in the same pass until this stops
            {
                timer!.DueTimestamp = now;
                queue.Add(timer);
            }
        });
        queue.Add(timer);
        queue.RunDue(now, ex => throw ex);
        calls.Should().Be(1);
        queue.Count.Should().Be(1, "the re-armed timer runs in a later pass");
        queue.RunDue(now + 1, ex => throw ex);
        calls.Should().Be(2);
    }

    [Fact]
    public void Saturating_conversions()
    {
        Timeouts.ToTicks(TimeSpan.MaxValue).Should().Be(Timeouts.Never);
        Timeouts.ToTicks(Timeout.InfiniteTimeSpan).Should().Be(Timeouts.Never);
        Timeouts.ToTicks(TimeSpan.FromSeconds(2)).Should().Be(2 * Stopwatch.Frequency);
        Timeouts.Deadline(Stopwatch.GetTimestamp(), TimeSpan.FromDays(300 * 365.25)).Should().Be(Timeouts.Never);
        Timeouts.Deadline(100, long.MaxValue - 50).Should().Be(Timeouts.Never);
        Timeouts.IsEnabled(TimeSpan.Zero).Should().BeFalse();
        Timeouts.IsEnabled(TimeSpan.MaxValue).Should().BeFalse();
        Timeouts.IsEnabled(Timeout.InfiniteTimeSpan).Should().BeFalse();
        Timeouts.IsEnabled(TimeSpan.FromMilliseconds(1)).Should().BeTrue();
        Timeouts.Validate(Timeout.InfiniteTimeSpan, "x").Should().Be(Timeout.InfiniteTimeSpan);
        FluentActions.Invoking(() => Timeouts.Validate(TimeSpan.FromTicks(-1), "x")).Should().Throw<ArgumentOutOfRangeException>();
    }

    private static ReactorTimer NewTimer(long due, Action<object?>? callback = null)
    {
        // The queue never touches the reactor; a dummy one is never started.
        return new ReactorTimer(s_reactor.Value, callback ?? (_ => { }), null, due, 0);
    }

    private static readonly Lazy<Reactor> s_reactor = new(() => new Reactor());
}

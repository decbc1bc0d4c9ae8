using ReactorNet.Tcp;
using ReactorNet.Tests.Support;

namespace ReactorNet.Tests.Loop;

/// <summary>
/// Finding 5: <c>Register</c>, <c>Modify</c> and <c>Unregister</c> are allowed "while no loop runs".
/// Several threads doing that at once must neither corrupt the registration table nor lose a
/// registration: each caller claims the idle loop for the length of its call.
/// </summary>
[Collection(DescriptorCountingCollection.Name)]
public sealed class PreStartRegistrationTests
{
    private const int Threads = 8;
    private const int PerThread = 200;

    /// <summary>
    /// 8 threads x 200 signalled eventfds before Start: half registered readable, a quarter registered
    /// with no interest and then modified to readable, a quarter registered and unregistered again.
    /// After Start every kept registration hears its one event (its handler then unregisters it) and
    /// no removed one is ever heard of. On the unguarded table the threads hand out one slot twice
    /// (an event reaches the wrong handler or none) or lose the count.
    /// </summary>
    [Fact]
    public void Registrations_from_several_threads_before_Start_each_deliver_their_event_exactly_once()
    {
        var baseline = DescriptorCensus.Take();
        var reactor = new Reactor();
        try
        {
            int kept = Threads * PerThread * 3 / 4;
            var calls = new int[Threads * PerThread];
            using var allHeard = new CountdownEvent(kept);
            var errors = new List<Exception>();
            using var go = new ManualResetEventSlim();
            var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
            {
                go.Wait();
                try
                {
                    for (int i = 0; i < PerThread; i++)
                    {
                        int id = (t * PerThread) + i;
                        int fd = NativeTestHelpers.EventFd();
                        NativeTestHelpers.SignalEventFd(fd);
                        var handler = new DelegateHandler((registration, _) =>
                        {
                            Interlocked.Increment(ref calls[id]);
                            registration.Unregister();
                            allHeard.Signal();
                        });
                        switch (i % 4)
                        {
                            case 0 or 2:
                                reactor.Register(fd, Interest.Readable, handler, ownsFd: true);
                                break;
                            case 1:
                                reactor.Register(fd, Interest.None, handler, ownsFd: true).Modify(Interest.Readable);
                                break;
                            default:
                                reactor.Register(fd, Interest.Readable, handler, ownsFd: true).Unregister().Should().BeTrue();
                                break;
                        }
                    }
                }
                catch (Exception ex)
                {
                    lock (errors)
                    {
                        errors.Add(ex);
                    }
                }
            })).ToList();
            threads.ForEach(t => t.Start());
            go.Set();
            threads.ForEach(t => t.Join(LoopHarness.Timeout).Should().BeTrue());
            errors.Should().BeEmpty();
            reactor.RegistrationCount.Should().Be(kept, "every registration that was not removed is in the table");

            reactor.Start();
            allHeard.Wait(LoopHarness.Timeout).Should().BeTrue($"every kept registration delivers its event; {allHeard.CurrentCount} never did");
            reactor.Invoke(() => reactor.RegistrationCount).Should().Be(0, "each handler removed its own registration");
            Enumerable.Range(0, calls.Length).Where(id => calls[id] != (id % PerThread % 4 == 3 ? 0 : 1))
                .Should().BeEmpty("a kept registration hears exactly one event, a removed one none");
        }
        finally
        {
            reactor.Dispose();
        }
        DescriptorCensus.Take().ShouldNotExceed(baseline, "every owned eventfd was closed");
    }

    /// <summary>
    /// The public calls and the library's own pre-start work (a server's listener, connects) share the
    /// table: a thread creating servers while others register must not corrupt it either.
    /// </summary>
    [Fact]
    public void Registrations_racing_with_server_creation_before_Start_keep_the_table_whole()
    {
        var reactor = new Reactor();
        var servers = new List<TcpServer>();
        try
        {
            const int Servers = 20;
            using var go = new ManualResetEventSlim();
            var errors = new List<Exception>();
            var registered = new List<Registration>();
            var registering = Enumerable.Range(0, 4).Select(_ => new Thread(() =>
            {
                go.Wait();
                try
                {
                    for (int i = 0; i < PerThread; i++)
                    {
                        Registration r = reactor.Register(NativeTestHelpers.EventFd(), Interest.None, new DelegateHandler((_, _) => { }), ownsFd: true);
                        lock (registered)
                        {
                            registered.Add(r);
                        }
                    }
                }
                catch (Exception ex)
                {
                    lock (errors)
                    {
                        errors.Add(ex);
                    }
                }
            })).ToList();
            var creating = new Thread(() =>
            {
                go.Wait();
                try
                {
                    for (int i = 0; i < Servers; i++)
                    {
                        servers.Add(new TcpServer(reactor, new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0), () => new RecordingHandler()));
                    }
                }
                catch (Exception ex)
                {
                    lock (errors)
                    {
                        errors.Add(ex);
                    }
                }
            });
            registering.ForEach(t => t.Start());
            creating.Start();
            go.Set();
            registering.ForEach(t => t.Join(LoopHarness.Timeout).Should().BeTrue());
            creating.Join(LoopHarness.Timeout).Should().BeTrue();
            errors.Should().BeEmpty();

            reactor.Start();
            reactor.Invoke(() => reactor.RegistrationCount).Should().Be((4 * PerThread) + Servers, "one registration per eventfd and per listener");
            reactor.Invoke(() => registered.All(r => r.IsActive)).Should().BeTrue("no registration was lost or overwritten");
        }
        finally
        {
            servers.ForEach(s => s.Dispose());
            reactor.Dispose();
        }
    }
}

using ReactorNet.Interop;

namespace ReactorNet;

public sealed unsafe partial class Reactor
{
    /// <summary>
    /// Registers <paramref name="fd"/> for <paramref name="interest"/>; from now on
    /// <paramref name="handler"/> hears of its readiness on the loop thread.
    /// </summary>
    /// <param name="fd">An open file descriptor (ideally non-blocking and close-on-exec).</param>
    /// <param name="interest">What to listen for.</param>
    /// <param name="handler">Who to tell.</param>
    /// <param name="ownsFd">
    /// Whether the reactor closes <paramref name="fd"/> on <see cref="Unregister"/>, on a handler fault
    /// and on <see cref="Dispose"/>. An owned descriptor belongs to the reactor: do not close it
    /// yourself. If you do anyway, the reactor notices on <see cref="Unregister"/> (the kernel no longer
    /// knows the entry, or a newer registration took the number) and closes nothing: it never closes a
    /// descriptor number that has been reused by someone else.
    /// </param>
    /// <returns>The registration; keep it to modify or remove it.</returns>
    /// <remarks>
    /// On the loop thread, or while no loop runs. Several threads may register, modify and
    /// unregister at once before <see cref="Start"/> (or after <see cref="Stop"/>): each call holds
    /// the idle loop for its duration, so the calls are serialized, and library work queued meanwhile
    /// (a connect, a server created on another thread) runs right after, on the calling thread.
    /// </remarks>
    /// <exception cref="SystemCallException"><c>epoll_ctl</c> refused, e.g. EBADF for a descriptor that is not open, EPERM for a regular file.</exception>
    /// <exception cref="InvalidOperationException">A loop runs, on another thread than the caller's.</exception>
    public Registration Register(int fd, Interest interest, IEventHandler handler, bool ownsFd = false)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ThrowIfClosed();
        if (!IsInLoopThread)
        {
            using IdleLoopClaim claim = ClaimIdleLoop();
            return Register(fd, interest, handler, ownsFd);
        }
        ulong token = _registrations.Add(fd, handler, ownsFd);
        try
        {
            AddToEpoll(fd, interest, token);
        }
        catch
        {
            _registrations.Remove(token);
            throw;
        }
        // The kernel accepted the number, so an older live registration of the same number lost
        // its descriptor: the application closed it and the number was reused for this one. The
        // old registration must never DEL or close what now belongs to this one.
        _registrations.ClaimDescriptor(token);
        return new Registration(this, token, fd);
    }

    /// <summary>Replaces the interest of a live registration (and re-arms a one-shot one).</summary>
    /// <param name="registration">The registration.</param>
    /// <param name="interest">The new interest.</param>
    /// <exception cref="InvalidOperationException">The registration is not live in this reactor, or a loop runs on another thread than the caller's.</exception>
    /// <exception cref="SystemCallException"><c>epoll_ctl</c> refused.</exception>
    public void Modify(Registration registration, Interest interest)
    {
        ThrowIfClosed();
        if (!IsInLoopThread)
        {
            using IdleLoopClaim claim = ClaimIdleLoop();
            Modify(registration, interest);
            return;
        }
        ThrowIfNotLive(registration);
        byte* ev = stackalloc byte[16];
        EpollEvent.Set(ev, (uint)interest, registration.Token);
        // The table's number, not the handle's: after the application closed the descriptor and the
        // number was reused, the table says -1 (EBADF) instead of naming the new owner's descriptor.
        int fd = _registrations.Find(registration.Token).Fd;
        Errno.ThrowIfError(Libc.epoll_ctl(_epollFd, Libc.EPOLL_CTL_MOD, fd, ev), "epoll_ctl(MOD)");
    }

    /// <summary>
    /// Removes a registration: no event is delivered for it afterwards, not even one the kernel had
    /// already queued. Closes the descriptor when the registration owns it. Removing a registration
    /// that is no longer live does nothing.
    /// </summary>
    /// <param name="registration">The registration.</param>
    /// <returns>Whether the registration was live.</returns>
    /// <exception cref="InvalidOperationException">A loop runs, on another thread than the caller's.</exception>
    /// <remarks>Safe during and after <see cref="Dispose"/>: it then returns false.</remarks>
    public bool Unregister(Registration registration)
    {
        // No ThrowIfDisposed: tear-down code may still run on the loop while Dispose stops it;
        // once the reactor released its descriptors, IsRegistered is false and this does nothing.
        if (!IsInLoopThread)
        {
            using IdleLoopClaim claim = ClaimIdleLoop();
            return Unregister(registration);
        }
        if (!IsRegistered(registration))
        {
            return false;
        }
        RemoveRegistration(registration.Token, closeOwnedFd: true);
        return true;
    }

    /// <summary>Whether <paramref name="registration"/> is live in this reactor.</summary>
    /// <param name="registration">The registration.</param>
    public bool IsRegistered(Registration registration) =>
        ReferenceEquals(registration.Reactor, this) && Volatile.Read(ref _released) == 0 &&
        !System.Runtime.CompilerServices.Unsafe.IsNullRef(ref _registrations.Find(registration.Token));

    private void RemoveRegistration(ulong token, bool closeOwnedFd)
    {
        ref RegistrationTable.Slot slot = ref _registrations.Find(token);
        int fd = slot.Fd;
        bool close = closeOwnedFd && slot.OwnsFd;
        if (fd >= 0) // -1: the number was taken over by a newer registration (see Register)
        {
            // DEL before close: once closed, a dup'ed or forked copy of the descriptor would keep the
            // entry alive in the interest list and we could never remove it. ENOENT/EBADF mean the
            // application closed the descriptor itself (the kernel then dropped the entry): the
            // number is no longer ours, and may already be somebody else's, so it is not closed.
            if (Libc.epoll_ctl(_epollFd, Libc.EPOLL_CTL_DEL, fd, null) < 0 && Errno.Last is Errno.ENOENT or Errno.EBADF)
            {
                close = false;
            }
        }
        _registrations.Remove(token);
        if (close)
        {
            FileDescriptor.Close(fd);
        }
    }

    private void AddToEpoll(int fd, Interest interest, ulong token)
    {
        byte* ev = stackalloc byte[16];
        EpollEvent.Set(ev, (uint)interest, token);
        Errno.ThrowIfError(Libc.epoll_ctl(_epollFd, Libc.EPOLL_CTL_ADD, fd, ev), "epoll_ctl(ADD)");
    }

    private void ThrowIfNotLive(Registration registration)
    {
        if (!IsRegistered(registration))
        {
            throw new InvalidOperationException($"Registration {registration} is not live in this reactor.");
        }
    }

    /// <summary>
    /// Makes the calling thread the loop for one registration call while no loop runs (before
    /// <see cref="Start"/>, after <see cref="Stop"/>), so that two such callers, or one and the
    /// library's own pre-start work (<see cref="Execute{TState}"/>), never change the table at once
    /// (finding 5). Unlike <see cref="RunQueueIfIdle"/> it waits for <see cref="_ownerLock"/>: the
    /// caller needs its answer now, and whoever holds the lock holds it only to claim or run the
    /// loop's queue, never to wait for another thread.
    /// </summary>
    /// <exception cref="InvalidOperationException">A loop runs on another thread.</exception>
    private IdleLoopClaim ClaimIdleLoop()
    {
        Monitor.Enter(_ownerLock);
        if (Interlocked.CompareExchange(ref _loopThread, Thread.CurrentThread, null) is not null)
        {
            Monitor.Exit(_ownerLock);
            ThrowNotLoopThread();
        }
        return new IdleLoopClaim(this);
    }

    /// <summary>Ends a <see cref="ClaimIdleLoop"/>.</summary>
    private readonly struct IdleLoopClaim(Reactor reactor) : IDisposable
    {
        public void Dispose()
        {
            reactor._loopThread = null;
            Monitor.Exit(reactor._ownerLock);
            // An Execute that queued work meanwhile found the loop claimed and left its work to the
            // claimer (as with a loop that was leaving): run it now, as those calls promise.
            Interlocked.MemoryBarrier();
            if (reactor._work.HasWork)
            {
                reactor.RunQueueIfIdle();
            }
        }
    }

    /// <summary>Loop-only methods assert their thread: a table touched from two threads corrupts silently.</summary>
    internal void ThrowIfNotLoopThread()
    {
        Thread? owner = _loopThread;
        if (owner is not null && owner != Thread.CurrentThread)
        {
            ThrowNotLoopThread();
        }
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowNotLoopThread() =>
        throw new InvalidOperationException("This method must be called on the reactor's loop thread; use RunInLoop or Post from other threads.");
}

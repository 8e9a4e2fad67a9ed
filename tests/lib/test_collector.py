import gc
import threading

from lib.collector import cyclic_gc_paused


def test_the_collector_is_off_inside_and_as_it_was_after():
    assert gc.isenabled()
    with cyclic_gc_paused():
        assert not gc.isenabled()
        with cyclic_gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer block still runs
    assert gc.isenabled()


def test_it_stays_off_until_the_last_of_two_threads_is_done():
    inside, leave = threading.Event(), threading.Event()

    def other():
        with cyclic_gc_paused():
            inside.set()
            leave.wait(5)

    thread = threading.Thread(target=other)
    thread.start()
    inside.wait(5)
    with cyclic_gc_paused():
        pass
    assert not gc.isenabled()  # the other thread's block has not ended
    leave.set()
    thread.join()
    assert gc.isenabled()


def test_a_collector_turned_off_before_stays_off():
    gc.disable()
    try:
        with cyclic_gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_an_error_inside_still_turns_it_back_on():
    try:
        with cyclic_gc_paused():
            raise ValueError
    except ValueError:
        pass
    assert gc.isenabled()

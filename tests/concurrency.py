"""Running things at the same moment, as two phones or two beat workers would: each call
in its own thread (so on its own database connection), released together."""

import threading

from django.db import connection


def at_once(*calls):
    """Run the calls at the same moment; their results, in the order of the calls. An
    error in a thread is raised here, where it can fail the test."""
    start = threading.Barrier(len(calls))
    results, errors = [None] * len(calls), []

    def run(index, call):
        try:
            start.wait()
            results[index] = call()
        except Exception as exc:  # re-raised below: a thread cannot fail the test itself
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results

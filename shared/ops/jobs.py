"""Carry the request id from the request that enqueued a job to the logs the job writes.

The hook for the notifications worker: enqueue through a queue built with
`Queue(..., job_class=RequestIdJob)` and run `Worker(..., job_class=RequestIdJob)`. A job created
while a request (or a bound job) is being handled stores that request id in `job.meta`; when it
runs, every log line it writes carries the same `request_id`.
"""

from __future__ import annotations

from typing import Any

from rq.job import Job

from shared.ops.logs import bind_request_id, current_request_id

META_KEY = "request_id"


class RequestIdJob(Job):
    """An RQ job that remembers, and logs under, the request id that created it."""

    @classmethod
    def create(cls, *args: Any, **kwargs: Any) -> Job:
        """Create the job, stamping the current request id into its meta."""
        job = super().create(*args, **kwargs)
        request_id = current_request_id()
        if request_id and META_KEY not in job.meta:
            job.meta[META_KEY] = request_id
        return job

    def perform(self) -> Any:
        """Run the job with its request id bound to the logs."""
        with bind_request_id(self.meta.get(META_KEY)):
            return super().perform()

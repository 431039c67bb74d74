"""The events webhooks carry: a job's end, a production's end, and the test event.

Shared by the request shapes that name them (jobs, projects, registrations) and the
effects that queue them, so each name is written once.
"""

from __future__ import annotations

from typing import Literal, get_args

JobEvent = Literal["job.completed", "job.failed", "job.cancelled"]
ProjectEvent = Literal["project.completed", "project.failed"]
#: What a registered webhook may subscribe to.
WebhookEvent = Literal["job.completed", "job.failed", "job.cancelled", "project.completed", "project.failed"]
ALL_EVENTS: tuple[str, ...] = get_args(WebhookEvent)

#: The event of each terminal job status.
EVENT_OF_JOB_STATUS = {"completed": "job.completed", "failed": "job.failed", "cancelled": "job.cancelled"}
#: The event of each terminal project status.
EVENT_OF_PROJECT_STATUS = {"completed": "project.completed", "failed": "project.failed"}
#: Sent on request to one registered webhook (POST /api/v1/webhooks/{id}/test), whatever it subscribed to.
TEST_EVENT = "webhook.test"

/** The gateway's REST shapes the nodes read (see docs/gateway.md and /docs/openapi.json). */

export interface Asset {
	id: string;
	/** audio, image, video, subtitles, voice_profile, data */
	type: string;
	role: string;
	content_type: string;
	size: number;
	sha256: string;
	job_id: string | null;
	project_id: string | null;
	links: { self: string; download: string };
	[key: string]: unknown;
}

export interface Job {
	id: string;
	/** "<service>.<operation>", e.g. "audio.synthesize" */
	type: string;
	/** queued, submitted, running, completed, failed, cancelled */
	status: string;
	progress: number;
	project_id: string | null;
	result: Record<string, unknown> | null;
	error: { code: string; message: string } | null;
	assets: Asset[];
	[key: string]: unknown;
}

export interface Voice {
	id: string;
	name: string;
	language: string;
	/** processing, ready, failed */
	status: string;
	error: string | null;
	[key: string]: unknown;
}

export interface Project {
	id: string;
	name: string;
	type: string;
	/** draft, running, completed, failed */
	status: string;
	error: string | null;
	/** The composed film (ComposeResult) of the last successful production. */
	result: { video?: { sha256?: string } } | null;
	[key: string]: unknown;
}

export interface ProjectDetail {
	project: Project;
	steps: Array<Record<string, unknown>>;
	jobs: Job[];
	assets: Asset[];
}

export interface Webhook {
	id: string;
	url: string;
	events: string[];
	job_types: string[];
	/** Shown once, when the webhook is created. */
	secret: string | null;
}

/** A webhook delivery's body. */
export interface WebhookEvent {
	event: string;
	created_at: string;
	job?: Job;
	project?: Project;
}

export const TERMINAL_JOB_STATUSES = ['completed', 'failed', 'cancelled'];
export const TERMINAL_PROJECT_STATUSES = ['completed', 'failed'];

/** Job types are "<service>.<operation>" (docs/gateway.md). */
export const JOB_TYPES = [
	{ name: 'Avatar Video', value: 'video.create_avatar_video' },
	{ name: 'Film (Compose)', value: 'composer.compose' },
	{ name: 'Image', value: 'image.generate' },
	{ name: 'Image Edit', value: 'image.edit' },
	{ name: 'Image Upscale', value: 'image.upscale' },
	{ name: 'Music', value: 'audio.generate_music' },
	{ name: 'Speech', value: 'audio.synthesize' },
	{ name: 'Video Animation', value: 'video.animate' },
	{ name: 'Voice Clone', value: 'audio.register_voice' },
];

// Being built (issue 16): Assistants.
import { heading } from './core.js';
export function assistantsPage(ctx) { heading(ctx, 'Assistants'); }
export function assistantPage(ctx) { heading(ctx, 'Assistants'); }

// Being built (issue 16): Workspace.
import { heading } from './core.js';
export function workspacePage(ctx) { heading(ctx, 'Workspace'); }

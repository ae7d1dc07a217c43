// Being built (issue 16): Calls.
import { heading } from './core.js';
export function callsPage(ctx) { heading(ctx, 'Calls'); }
export function callPage(ctx) { heading(ctx, 'Calls'); }

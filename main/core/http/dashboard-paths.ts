/** Where the dashboard lives; its own module so the guards can ask without importing the dashboard host. */
export const DASHBOARD_PATH = '/dashboard';

export function isDashboardPath(path: string): boolean {
  return path === DASHBOARD_PATH || path.startsWith(`${DASHBOARD_PATH}/`);
}

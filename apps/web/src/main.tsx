// The web app's entry: query client, router, theme. The issue page (with the graph library) is a
// separate chunk, so the first load stays small (budget: 300 KB gzip of initial JavaScript).
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { RouterProvider, createBrowserRouter } from "react-router";
import { ApiError, issueQuery } from "./api";
import { meQuery } from "./auth";
import { Shell } from "./pages/Shell";
import { LoginPage } from "./pages/Login";
import { DashboardPage } from "./pages/Dashboard";
import { IssuesPage } from "./pages/Issues";
import { SettingsPage } from "./pages/Settings";
import { NotFoundPage } from "./pages/NotFound";
import { AssetPage, AssetsPage } from "./pages/Assets";
import { ScansPage } from "./pages/Scans";
import "./styles.css";

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 15_000,
      // 401/403/404 are answers, not hiccups: do not retry them.
      retry: (n, e) => !(e instanceof ApiError && e.status >= 400 && e.status < 500) && n < 2,
      refetchOnWindowFocus: false,
    },
  },
});

const router = createBrowserRouter([
  { path: "/login", element: <LoginPage /> },
  {
    path: "/",
    element: <Shell />,
    children: [
      { index: true, element: <DashboardPage /> },
      { path: "issues", element: <IssuesPage mine={false} /> },
      { path: "my", element: <IssuesPage mine /> },
      {
        path: "issues/:alias",
        // The issue is fetched while the page's chunk (with the graph library) loads, not after.
        loader: ({ params }) => {
          if (params.alias) void queryClient.prefetchQuery(issueQuery(params.alias));
          return null;
        },
        lazy: async () => ({ Component: (await import("./pages/Issue")).IssuePage }),
      },
      { path: "assets", element: <AssetsPage /> },
      { path: "assets/:id", element: <AssetPage /> },
      { path: "scans", element: <ScansPage /> },
      { path: "settings", element: <SettingsPage /> },
      {
        path: "settings/scopes/:id",
        lazy: async () => ({ Component: (await import("./pages/ScopePage")).ScopePage }),
      },
      { path: "audit", lazy: async () => ({ Component: (await import("./pages/Audit")).AuditPage }) },
      { path: "exports", lazy: async () => ({ Component: (await import("./pages/Exports")).ExportsPage }) },
      { path: "*", element: <NotFoundPage /> },
    ],
  },
]);

// Who is signed in is on every page's critical path: ask at once, beside the route's chunk.
void queryClient.prefetchQuery(meQuery);

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
    </QueryClientProvider>
  </StrictMode>,
);

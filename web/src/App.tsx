/** Routes: sign-in and the dashboard load with the app; every studio page is its own chunk. */
import { useQueryClient } from "@tanstack/react-query";
import { lazy, useEffect } from "react";
import { createBrowserRouter, Navigate, RouterProvider } from "react-router";

import { useSession } from "@/auth/session";
import { Layout } from "@/components/Layout";
import DashboardPage from "@/pages/Dashboard";
import SignInPage from "@/pages/SignIn";

const ProjectsPage = lazy(() => import("@/pages/projects/ProjectsPage"));
const NewProjectPage = lazy(() => import("@/pages/projects/NewProjectPage"));
const ProjectPage = lazy(() => import("@/pages/projects/ProjectPage"));
const AudioStudio = lazy(() => import("@/pages/AudioStudio"));
const ImageStudio = lazy(() => import("@/pages/ImageStudio"));
const VideoStudio = lazy(() => import("@/pages/VideoStudio"));
const HistoryPage = lazy(() => import("@/pages/HistoryPage"));
const TemplatesPage = lazy(() => import("@/pages/TemplatesPage"));
const SettingsPage = lazy(() => import("@/pages/SettingsPage"));

const router = createBrowserRouter([
  {
    element: <Layout />,
    children: [
      { path: "/", element: <DashboardPage /> },
      { path: "/projects", element: <ProjectsPage /> },
      { path: "/projects/new", element: <NewProjectPage /> },
      { path: "/projects/:projectId", element: <ProjectPage /> },
      { path: "/audio", element: <AudioStudio /> },
      { path: "/image", element: <ImageStudio /> },
      { path: "/video", element: <VideoStudio /> },
      { path: "/history", element: <HistoryPage /> },
      { path: "/templates", element: <TemplatesPage /> },
      { path: "/settings", element: <SettingsPage /> },
      { path: "/sign-in", element: <Navigate to="/" replace /> },
      { path: "*", element: <Navigate to="/" replace /> },
    ],
  },
]);

/** Signed out, every address shows the sign-in form; signing in lands on the page asked for. */
export function App() {
  const { credential } = useSession();
  const queryClient = useQueryClient();
  useEffect(() => {
    if (!credential) queryClient.clear(); // nothing of one tenant stays for the next
  }, [credential, queryClient]);
  if (!credential) return <SignInPage />;
  return <RouterProvider router={router} />;
}

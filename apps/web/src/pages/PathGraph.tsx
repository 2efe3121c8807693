// One attack path drawn as a graph: React Flow for the drawing, dagre (MIT) for the layout
// (left to right, entry first). Nodes are the path's assets, edges its hops, labelled by kind.
import { useEffect, useMemo, useState } from "react";
import { Background, Controls, MarkerType, Position, ReactFlow } from "@xyflow/react";
import type { Edge, Node } from "@xyflow/react";
import { graphlib, layout } from "@dagrejs/dagre";
import "@xyflow/react/dist/style.css";
import type { ApiIssue } from "../api";
import { shortName } from "./names";

/** The app's theme (the html element's data-theme), followed live so the graph switches with it. */
function useDocumentTheme(): "light" | "dark" {
  const read = (): "light" | "dark" => (document.documentElement.dataset.theme === "dark" ? "dark" : "light");
  const [theme, setTheme] = useState(read);
  useEffect(() => {
    const o = new MutationObserver(() => setTheme(read()));
    o.observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
    return () => o.disconnect();
  }, []);
  return theme;
}

const W = 190;
const H = 56;

export function PathGraph({
  issue,
  pathIndex,
  selectedHop,
  onSelectHop,
}: {
  issue: ApiIssue;
  pathIndex: number;
  selectedHop: number | null;
  onSelectHop: (i: number) => void;
}) {
  const path = issue.paths[pathIndex];
  const colorMode = useDocumentTheme();
  const { nodes, edges } = useMemo(() => {
    if (!path) return { nodes: [], edges: [] };
    const g = new graphlib.Graph();
    g.setGraph({ rankdir: "LR", nodesep: 30, ranksep: 80 });
    g.setDefaultEdgeLabel(() => ({}));
    const ids: string[] = [];
    for (const h of path.hops) for (const id of [h.from, h.to]) if (!ids.includes(id)) ids.push(id);
    for (const id of ids) g.setNode(id, { width: W, height: H });
    for (const h of path.hops) g.setEdge(h.from, h.to);
    layout(g);
    const nodes: Node[] = ids.map((id) => {
      const p = g.node(id) as { x: number; y: number };
      const role = id === issue.entry.id ? "entry" : id === issue.target.id ? "target" : "hop";
      return {
        id,
        position: { x: p.x - W / 2, y: p.y - H / 2 },
        data: {
          label: `${role === "entry" ? "entry · " : role === "target" ? "target · " : ""}${shortName(id, issue)}`,
        },
        className: `pg-node pg-${role}`,
        style: { width: W },
        sourcePosition: Position.Right,
        targetPosition: Position.Left,
        draggable: false,
        connectable: false,
      };
    });
    const edges: Edge[] = path.hops.map((h, i) => ({
      id: `hop-${i}`,
      source: h.from,
      target: h.to,
      label: `${i + 1}. ${h.edge}`,
      markerEnd: { type: MarkerType.ArrowClosed },
      animated: selectedHop === i,
      className: selectedHop === i ? "pg-edge selected" : "pg-edge",
    }));
    return { nodes, edges };
  }, [issue, path, selectedHop]);

  return (
    <div
      className="path-graph"
      aria-label={`Attack path ${pathIndex + 1} as a graph (the list below says the same)`}
      role="figure"
    >
      <ReactFlow
        nodes={nodes}
        edges={edges}
        fitView
        colorMode={colorMode}
        fitViewOptions={{ padding: 0.2, maxZoom: 1 }}
        nodesDraggable={false}
        nodesConnectable={false}
        // The hop list below the graph is its keyboard equivalent (each hop a button selecting the
        // same edge), so the drawing itself takes no Tab stops.
        nodesFocusable={false}
        edgesFocusable={false}
        onEdgeClick={(_, e) => onSelectHop(Number(e.id.slice(4)))}
        proOptions={{ hideAttribution: false }}
        minZoom={0.3}
      >
        <Background />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}

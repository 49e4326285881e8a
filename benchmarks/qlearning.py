"""Deep Q-learning loop speed: environment steps per second, tinykeras against PyTorch.

The tinykeras side is ``examples/deep_q_learning.py`` itself (the course's loop: one-state
``q_network(state)`` per step, a ``@tf.function`` learning step every 4 steps on a minibatch of
64, soft target updates through ``weights``/``assign``). The PyTorch side is the same loop
written the way a PyTorch user would (``torch.no_grad()`` for acting, ``nn.Sequential``,
``torch.optim.Adam``, an in-place soft update). Same environment (CartPole in NumPy), same
network sizes, same number of environment steps, one thread each.

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/qlearning.py [--steps 5000] [--reps 3]
"""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import importlib.util  # noqa: E402
import random  # noqa: E402
import time  # noqa: E402
from collections import deque  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def _example():
    spec = importlib.util.spec_from_file_location("dqn", ROOT / "examples" / "deep_q_learning.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def tinykeras_steps_per_second(total_steps, seed=0):
    """Run the example's loop for ``total_steps`` environment steps; return steps/s."""
    dqn = _example()
    tf = dqn.tf
    random.seed(seed)
    tf.random.set_seed(seed)
    env = dqn.CartPole(seed=seed)
    q_network, target_q_network, optimizer = dqn.build_networks()
    target_q_network.set_weights(q_network.get_weights())

    @tf.function
    def agent_learn(experiences, gamma):
        with tf.GradientTape() as tape:
            loss = dqn.compute_loss(experiences, gamma, q_network, target_q_network)
        gradients = tape.gradient(loss, q_network.trainable_variables)
        optimizer.apply_gradients(zip(gradients, q_network.trainable_variables))
        for target_weights, q_net_weights in zip(target_q_network.weights, q_network.weights):
            target_weights.assign(dqn.TAU * q_net_weights + (1.0 - dqn.TAU) * target_weights)

    memory, epsilon, state = deque(maxlen=dqn.MEMORY_SIZE), 1.0, env.reset()
    start = time.perf_counter()
    for step in range(1, total_steps + 1):
        q_values = q_network(np.expand_dims(state, axis=0))
        action = dqn.get_action(q_values, epsilon)
        next_state, reward, done = env.step(action)
        memory.append(dqn.Experience(state, action, reward, next_state, done))
        if step % dqn.NUM_STEPS_FOR_UPDATE == 0 and len(memory) > dqn.MINIBATCH_SIZE:
            agent_learn(dqn.get_experiences(memory), dqn.GAMMA)
        state = env.reset() if done else next_state
        if done:
            epsilon = max(dqn.E_MIN, dqn.E_DECAY * epsilon)
    return total_steps / (time.perf_counter() - start)


def torch_steps_per_second(total_steps, seed=0):
    """The same loop in PyTorch; return steps/s."""
    import torch
    from torch import nn

    torch.set_num_threads(1)
    dqn = _example()
    random.seed(seed)
    torch.manual_seed(seed)
    env = dqn.CartPole(seed=seed)

    def net():
        return nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(),
                             nn.Linear(64, 2))

    q_network, target = net(), net()
    target.load_state_dict(q_network.state_dict())
    optimizer = torch.optim.Adam(q_network.parameters(), lr=dqn.ALPHA, eps=1e-7)

    def learn(batch):
        states, actions, rewards, next_states, dones = (
            torch.as_tensor(np.array(x), dtype=torch.float32) for x in zip(*batch))
        with torch.no_grad():
            y = rewards + dqn.GAMMA * target(next_states).max(dim=-1).values * (1 - dones)
        q = q_network(states).gather(1, actions.long().unsqueeze(1)).squeeze(1)
        loss = torch.mean((y - q) ** 2)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            for t, p in zip(target.parameters(), q_network.parameters()):
                t.mul_(1.0 - dqn.TAU).add_(dqn.TAU * p)

    memory, epsilon, state = deque(maxlen=dqn.MEMORY_SIZE), 1.0, env.reset()
    start = time.perf_counter()
    for step in range(1, total_steps + 1):
        with torch.no_grad():
            q_values = q_network(torch.as_tensor(state, dtype=torch.float32).unsqueeze(0))
        if random.random() > epsilon:
            action = int(torch.argmax(q_values[0]))
        else:
            action = random.choice(range(2))
        next_state, reward, done = env.step(action)
        memory.append((state, action, reward, next_state, float(done)))
        if step % dqn.NUM_STEPS_FOR_UPDATE == 0 and len(memory) > dqn.MINIBATCH_SIZE:
            learn(random.sample(memory, k=dqn.MINIBATCH_SIZE))
        state = env.reset() if done else next_state
        if done:
            epsilon = max(dqn.E_MIN, dqn.E_DECAY * epsilon)
    return total_steps / (time.perf_counter() - start)


def main(argv=None):
    """Print the median steps/s of each system over ``--reps`` runs, and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=5000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--systems", default="tinykeras,torch")
    args = parser.parse_args(argv)
    runs = {"tinykeras": tinykeras_steps_per_second, "torch": torch_steps_per_second}
    results = {}
    for name in args.systems.split(","):
        rates = [runs[name](args.steps, seed=rep) for rep in range(args.reps)]
        results[name] = float(np.median(rates))
        print(f"{name:10s} {results[name]:8.0f} steps/s (median of {args.reps}; "
              f"runs {', '.join(f'{r:.0f}' for r in rates)})")
    if len(results) == 2:
        print(f"tinykeras / torch: {results['tinykeras'] / results['torch']:.2f}x")
    return results


if __name__ == "__main__":
    main()

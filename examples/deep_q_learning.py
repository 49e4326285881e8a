"""Deep Q-learning (course 3, week 3 assignment, on CartPole instead of the lunar lander):
a Q-network and a target network, experience replay, a ``@tf.function`` learning step with
``tf.GradientTape``, soft target updates with ``weights``/``assign``, and one-state
``q_network(state)`` calls in the loop.

The lunar lander needs gym and Box2D; this script brings its own environment, the classic
cart-pole balancing task, written in NumPy (``CartPole`` below). Apart from the environment,
only the import lines differ from the course's code.
Run: python examples/deep_q_learning.py [--episodes 300]
"""

import argparse
import random
import time
from collections import deque, namedtuple

import numpy as np

import tinykeras as tf  # was: import tensorflow as tf
from tinykeras.layers import Dense, Input  # was: from tensorflow.keras.layers import ...
from tinykeras.losses import MSE  # was: from tensorflow.keras.losses import MSE
from tinykeras.models import Sequential  # was: from tensorflow.keras import Sequential
from tinykeras.optimizers import Adam  # was: from tensorflow.keras.optimizers import Adam

MEMORY_SIZE = 100_000  # size of memory buffer
GAMMA = 0.99  # discount factor (0.995 for the lander)
ALPHA = 1e-3  # learning rate
NUM_STEPS_FOR_UPDATE = 4  # perform a learning update every C time steps
MINIBATCH_SIZE = 64
TAU = 1e-2  # soft update parameter (the lander uses 1e-3 over many more steps)
E_DECAY, E_MIN = 0.98, 0.01

Experience = namedtuple("Experience",
                        field_names=["state", "action", "reward", "next_state", "done"])


class CartPole:
    """Balance a pole on a cart: 4 state values, 2 actions (push left/right), reward 1 per
    step until the pole tilts past 12 degrees, the cart leaves the track, or 500 steps pass.
    The equations of motion are the classic ones (Barto, Sutton and Anderson, 1983)."""

    gravity, cart_mass, pole_mass, half_length, force, dt = 9.8, 1.0, 0.1, 0.5, 10.0, 0.02

    def __init__(self, seed=0, max_steps=500):
        self.rng = np.random.default_rng(seed)
        self.max_steps = max_steps
        self.state = None
        self.steps = 0

    def reset(self):
        """Start an episode near upright; return the state."""
        self.state = self.rng.uniform(-0.05, 0.05, size=4)
        self.steps = 0
        return self.state.copy()

    def step(self, action):
        """Apply a push (0 left, 1 right); return ``(state, reward, done)``."""
        x, x_dot, theta, theta_dot = self.state
        force = self.force if action == 1 else -self.force
        total = self.cart_mass + self.pole_mass
        cos, sin = np.cos(theta), np.sin(theta)
        temp = (force + self.pole_mass * self.half_length * theta_dot ** 2 * sin) / total
        theta_acc = (self.gravity * sin - cos * temp) / (
            self.half_length * (4.0 / 3.0 - self.pole_mass * cos ** 2 / total))
        x_acc = temp - self.pole_mass * self.half_length * theta_acc * cos / total
        x, x_dot = x + self.dt * x_dot, x_dot + self.dt * x_acc
        theta, theta_dot = theta + self.dt * theta_dot, theta_dot + self.dt * theta_acc
        self.state = np.array([x, x_dot, theta, theta_dot])
        self.steps += 1
        done = bool(abs(x) > 2.4 or abs(theta) > 12 * np.pi / 180 or self.steps >= self.max_steps)
        return self.state.copy(), 1.0, done


def build_networks(state_size=4, num_actions=2):
    """The Q-network and the target Q-network (same layout), and the optimizer."""
    q_network = Sequential([
        Input(shape=(state_size,)),
        Dense(units=64, activation="relu"),
        Dense(units=64, activation="relu"),
        Dense(units=num_actions, activation="linear"),
    ])
    target_q_network = Sequential([
        Input(shape=(state_size,)),
        Dense(units=64, activation="relu"),
        Dense(units=64, activation="relu"),
        Dense(units=num_actions, activation="linear"),
    ])
    optimizer = Adam(learning_rate=ALPHA)
    return q_network, target_q_network, optimizer


def compute_loss(experiences, gamma, q_network, target_q_network):
    """The graded loss: MSE between the Bellman targets and the Q-values of the actions taken."""
    states, actions, rewards, next_states, done_vals = experiences
    max_qsa = tf.reduce_max(target_q_network(next_states), axis=-1)
    y_targets = rewards + (gamma * max_qsa * (1 - done_vals))
    q_values = q_network(states)
    q_values = tf.gather_nd(q_values, tf.stack([tf.range(q_values.shape[0]),
                                                tf.cast(actions, tf.int32)], axis=1))
    loss = MSE(y_targets, q_values)
    return loss


def get_experiences(memory_buffer):
    """A random minibatch from the replay memory, as float32 tensors (utils.get_experiences)."""
    experiences = random.sample(memory_buffer, k=MINIBATCH_SIZE)
    states = tf.convert_to_tensor(np.array([e.state for e in experiences]), dtype=tf.float32)
    actions = tf.convert_to_tensor(np.array([e.action for e in experiences]), dtype=tf.float32)
    rewards = tf.convert_to_tensor(np.array([e.reward for e in experiences]), dtype=tf.float32)
    next_states = tf.convert_to_tensor(np.array([e.next_state for e in experiences]),
                                       dtype=tf.float32)
    done_vals = tf.convert_to_tensor(np.array([e.done for e in experiences]).astype(np.uint8),
                                     dtype=tf.float32)
    return states, actions, rewards, next_states, done_vals


def get_action(q_values, epsilon=0.0):
    """Epsilon-greedy choice from one state's Q-values (utils.get_action)."""
    if random.random() > epsilon:
        return int(np.argmax(q_values.numpy()[0]))
    return random.choice(range(q_values.shape[1]))


def run(num_episodes=300, max_num_timesteps=500, seed=0):
    """Train the agent; return per-episode returns and the number of environment steps/s."""
    random.seed(seed)
    tf.random.set_seed(seed)
    env = CartPole(seed=seed, max_steps=max_num_timesteps)
    q_network, target_q_network, optimizer = build_networks()
    target_q_network.set_weights(q_network.get_weights())

    @tf.function
    def agent_learn(experiences, gamma):
        with tf.GradientTape() as tape:
            loss = compute_loss(experiences, gamma, q_network, target_q_network)
        gradients = tape.gradient(loss, q_network.trainable_variables)
        optimizer.apply_gradients(zip(gradients, q_network.trainable_variables))
        # soft update of the target network (utils.update_target_network)
        for target_weights, q_net_weights in zip(target_q_network.weights, q_network.weights):
            target_weights.assign(TAU * q_net_weights + (1.0 - TAU) * target_weights)
        return loss

    memory_buffer = deque(maxlen=MEMORY_SIZE)
    epsilon = 1.0
    returns, steps = [], 0
    start = time.perf_counter()
    for i in range(num_episodes):
        state = env.reset()
        total_points = 0.0
        for _t in range(max_num_timesteps):
            state_qn = np.expand_dims(state, axis=0)  # state needs to be the right shape
            q_values = q_network(state_qn)
            action = get_action(q_values, epsilon)
            next_state, reward, done = env.step(action)
            memory_buffer.append(Experience(state, action, reward, next_state, done))
            steps += 1
            if steps % NUM_STEPS_FOR_UPDATE == 0 and len(memory_buffer) > MINIBATCH_SIZE:
                agent_learn(get_experiences(memory_buffer), GAMMA)
            state = next_state.copy()
            total_points += reward
            if done:
                break
        returns.append(total_points)
        epsilon = max(E_MIN, E_DECAY * epsilon)
        if (i + 1) % 20 == 0:
            print(f"Episode {i + 1} | Total point average of the last 20 episodes: "
                  f"{np.mean(returns[-20:]):.2f}")
    seconds = time.perf_counter() - start
    return returns, steps / seconds


def main(episodes=300):
    """Train and report; return the average return of the first and last 20 episodes."""
    returns, rate = run(num_episodes=episodes)
    first, last = float(np.mean(returns[:20])), float(np.mean(returns[-20:]))
    print(f"average return: first 20 episodes {first:.1f}, last 20 {last:.1f}; "
          f"{rate:.0f} environment steps per second")
    return first, last


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=300)
    main(episodes=parser.parse_args().episodes)
